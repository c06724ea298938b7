"""The web front: pages, both JSON APIs and feeds, built from one route table."""
