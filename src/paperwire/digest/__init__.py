"""Email digests: subscriptions, composing, rendering and crash-safe sending (docs/digests.md).

Kept import-free: catalog.schema imports digest.schema to register the tables.
"""
