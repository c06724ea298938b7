"""Recommendations (issue 11): reader signals, interests, precomputed rankings, feed tokens
(see paperwire.recommend.schema). Digest 👍/👎 so far become reader signals of source
"digest": a rating with a user is that user's ("user:<id>"), else "subscriber:<id>".

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)
_READER = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "reader_signals",
        sa.Column("reader", _READER, nullable=False),
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("value", sa.SmallInteger, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name="fk_reader_signals_paper_id_papers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reader", "paper_id", "source", name="pk_reader_signals"),
    )
    op.create_index("ix_reader_signals_paper_id", "reader_signals", ["paper_id"])
    op.create_table(
        "reader_interests",
        sa.Column("reader", _READER, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("reader", "kind", "value", name="pk_reader_interests"),
    )
    op.create_table(
        "reader_recommendations",
        sa.Column("reader", _READER, nullable=False),
        sa.Column("computed_at", _TZ, nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("reader", name="pk_reader_recommendations"),
    )
    op.create_table(
        "reader_feed_tokens",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("reader", _READER, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reader_feed_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_reader_feed_tokens_token_hash"),
    )
    op.create_index("ix_reader_feed_tokens_reader", "reader_feed_tokens", ["reader"])
    # Only ratings of papers still in the catalog: the signal's paper_id is a foreign key.
    op.execute(
        sa.text(
            "INSERT INTO reader_signals (reader, paper_id, source, value, created_at) "
            "SELECT CASE WHEN r.user_id IS NOT NULL THEN 'user:' || CAST(r.user_id AS TEXT) "
            "ELSE 'subscriber:' || CAST(r.subscriber_id AS TEXT) END, "
            "r.paper_id, 'digest', r.rating, r.rated_at "
            "FROM digest_ratings r JOIN papers p ON p.id = r.paper_id "
            "WHERE r.rating IN (1, -1) "
            # One account may have rated a paper from two subscriptions: keep one row.
            "AND NOT EXISTS (SELECT 1 FROM digest_ratings o "
            "WHERE o.paper_id = r.paper_id AND o.user_id = r.user_id "
            "AND (o.rated_at > r.rated_at "
            "OR (o.rated_at = r.rated_at AND o.subscriber_id > r.subscriber_id)))"
        )
    )


def downgrade() -> None:
    op.drop_table("reader_feed_tokens")
    op.drop_table("reader_recommendations")
    op.drop_table("reader_interests")
    op.drop_table("reader_signals")
