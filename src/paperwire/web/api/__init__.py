"""paperwire's own JSON API, /api/v1 (documented at /docs)."""
