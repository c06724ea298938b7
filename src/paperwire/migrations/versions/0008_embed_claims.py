"""Embed claims: which worker holds which pending paper, until when (see
paperwire.search.claims), so several `paperwire embed` processes share a backfill.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embed_claims",
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("worker", sa.String(160), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name="fk_embed_claims_paper_id_papers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", name="pk_embed_claims"),
    )
    op.create_index("ix_embed_claims_lease_until", "embed_claims", ["lease_until"])


def downgrade() -> None:
    op.drop_table("embed_claims")
