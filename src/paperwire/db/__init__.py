"""The bottom of the database: engines, the one metadata, transactions and dialect-neutral
statements, bulk writes. Knows no room's tables."""
