"""Email digests: subscriptions, composing, rendering and crash-safe sending (docs/digests.md)."""
