"""Paper vectors for semantic search (see paperwire.search.vector_store).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_vectors",
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("model_id", sa.String(100), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("stored_seq", sa.BigInteger, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name="fk_paper_vectors_paper_id_papers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", name="pk_paper_vectors"),
    )
    op.create_index("ix_paper_vectors_stored_seq", "paper_vectors", ["stored_seq"])
    # The counter behind stored_seq: one value per committed batch of vectors.
    op.execute(sa.text("INSERT INTO counters (name, value) VALUES ('vector_seq', 0)"))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM counters WHERE name = 'vector_seq'"))
    op.drop_table("paper_vectors")
