"""The catalog: papers, their sources, ingest checkpoints, counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("primary_category", sa.String(64), nullable=True),
        sa.Column("title_key", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("submitted", sa.Date, nullable=True),
        sa.Column("updated", sa.Date, nullable=True),
        sa.Column("doi", sa.Text, nullable=True),
        sa.Column("journal_ref", sa.Text, nullable=True),
        sa.Column("comments", sa.Text, nullable=True),
        sa.Column("license", sa.Text, nullable=True),
        sa.Column("links", sa.JSON, nullable=False),
        sa.Column("listed_on", sa.Date, nullable=True),
        sa.Column("listed_from_feed", sa.Boolean, nullable=False),
        sa.Column("extras", sa.JSON, nullable=False),
        sa.Column("authority", sa.SmallInteger, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("change_seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_papers"),
    )
    op.create_index("ix_papers_title_key", "papers", ["title_key"])
    op.create_index("ix_papers_listed_on", "papers", ["listed_on"])
    op.create_index("ix_papers_change_seq", "papers", ["change_seq"])
    op.create_table(
        "paper_sources",
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("source_record_id", sa.Text, nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name="fk_paper_sources_paper_id_papers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", "source", name="pk_paper_sources"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "paper_aliases",
        sa.Column("alias", sa.String(200), nullable=False),
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name="fk_paper_aliases_paper_id_papers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alias", name="pk_paper_aliases"),
    )
    op.create_index("ix_paper_aliases_paper_id", "paper_aliases", ["paper_id"])
    op.create_table(
        "ingest_checkpoints",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_ingest_checkpoints"),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    op.bulk_insert(counters, [{"name": "change_seq", "value": 0}])


def downgrade() -> None:
    op.drop_table("counters")
    op.drop_table("ingest_checkpoints")
    op.drop_table("paper_aliases")
    op.drop_table("paper_sources")
    op.drop_table("papers")
