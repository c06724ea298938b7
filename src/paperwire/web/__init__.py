"""The web front: pages and (later) the JSON API and feeds."""
