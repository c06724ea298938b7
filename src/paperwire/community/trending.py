"""Trending order. Until the community supplies a score, trending means most recent first."""

from __future__ import annotations

from paperwire.catalog.listing import ListOrder

# The catalog order that stands in for trending (a later change ranks by score).
TRENDING_ORDER: ListOrder = "listed"
