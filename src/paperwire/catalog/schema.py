"""The catalog's tables (SQLAlchemy Core). Alembic migrations create exactly these."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from paperwire.db.metadata import metadata

papers = sa.Table(
    "papers",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("abstract", sa.Text, nullable=False),
    sa.Column("authors", sa.JSON, nullable=False),
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("primary_category", sa.String(64), nullable=True),
    # Normalised title (catalog/matching.py): joins id-less listing papers to arXiv papers.
    sa.Column("title_key", sa.String(200), nullable=True, index=True),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("submitted", sa.Date, nullable=True),
    sa.Column("updated", sa.Date, nullable=True),
    sa.Column("doi", sa.Text, nullable=True),
    sa.Column("journal_ref", sa.Text, nullable=True),
    sa.Column("comments", sa.Text, nullable=True),
    sa.Column("license", sa.Text, nullable=True),
    sa.Column("links", sa.JSON, nullable=False),
    sa.Column("listed_on", sa.Date, nullable=True, index=True),
    # True when listed_on came from a listing feed (HF), False when derived from arXiv dates.
    sa.Column("listed_from_feed", sa.Boolean, nullable=False, default=False),
    sa.Column("extras", sa.JSON, nullable=False),
    sa.Column("authority", sa.SmallInteger, nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False, default=False),
    # Bumped on every change; search indexes follow the catalog by this sequence.
    sa.Column("change_seq", sa.BigInteger, nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
    # A category's list counts its total from this (migration 0005; the list orders'
    # expression indexes live in the migration only, see catalog/listing.py).
    sa.Index("ix_papers_visible_category", "withdrawn", "primary_category"),
)


def paper_id_column(**options: Any) -> sa.Column[str]:
    """A column naming a catalog paper; its rows go when the paper does (another room's
    table may use it too: search/vector_store.py)."""
    return sa.Column(
        "paper_id", sa.String(200), sa.ForeignKey("papers.id", ondelete="CASCADE"), **options
    )


paper_sources = sa.Table(
    "paper_sources",
    metadata,
    paper_id_column(primary_key=True),
    sa.Column("source", sa.String(40), primary_key=True),
    sa.Column("source_record_id", sa.Text, nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sqlite_with_rowid=False,
)

# Ids a paper was known by before it was merged into another (a title slug that turned out to
# be an arXiv paper): links and bookmarks to the old id keep working.
paper_aliases = sa.Table(
    "paper_aliases",
    metadata,
    sa.Column("alias", sa.String(200), primary_key=True),
    paper_id_column(nullable=False, index=True),
)

ingest_checkpoints = sa.Table(
    "ingest_checkpoints",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)
