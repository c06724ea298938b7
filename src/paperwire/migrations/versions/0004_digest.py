"""Email digests: subscribers, confirmations, rate events, outbox, sent papers, ratings,
and the worker's scheduled jobs (see paperwire.digest.schema).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _subscriber_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["subscriber_id"],
        ["digest_subscribers.id"],
        name=f"fk_{table}_subscriber_id_digest_subscribers",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "digest_subscribers",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("weekday", sa.SmallInteger, nullable=False),
        sa.Column("hour", sa.SmallInteger, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("paper_count", sa.SmallInteger, nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("link_key", sa.String(32), nullable=False),
        sa.Column("bounces", sa.Integer, nullable=False),
        sa.Column("status_reason", sa.Text, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("confirmed_at", _TZ, nullable=True),
        sa.Column("status_changed_at", _TZ, nullable=False),
        sa.Column("next_due_at", _TZ, nullable=True),
        sa.Column("covered_until", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_digest_subscribers"),
        sa.UniqueConstraint("email_key", name="uq_digest_subscribers_email_key"),
    )
    op.create_index("ix_digest_subscribers_user_id", "digest_subscribers", ["user_id"])
    op.create_index("ix_digest_subscribers_next_due_at", "digest_subscribers", ["next_due_at"])
    op.create_table(
        "digest_confirmations",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("subscriber_id", sa.Integer, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.Column("used_at", _TZ, nullable=True),
        _subscriber_fk("digest_confirmations"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_digest_confirmations"),
    )
    op.create_index(
        "ix_digest_confirmations_subscriber_id", "digest_confirmations", ["subscriber_id"]
    )
    op.create_table(
        "digest_rate_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digest_rate_events"),
    )
    op.create_index("ix_digest_rate_events_key", "digest_rate_events", ["key"])
    op.create_index("ix_digest_rate_events_at", "digest_rate_events", ["at"])
    op.create_table(
        "digest_outbox",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subscriber_id", sa.Integer, nullable=False),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TZ, nullable=False),
        sa.Column("deadline_at", _TZ, nullable=False),
        sa.Column("claimed_by", sa.String(160), nullable=True),
        sa.Column("claimed_at", _TZ, nullable=True),
        sa.Column("sent_at", _TZ, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        _subscriber_fk("digest_outbox"),
        sa.PrimaryKeyConstraint("id", name="pk_digest_outbox"),
        sa.UniqueConstraint("subscriber_id", "period", name="uq_digest_outbox_subscriber_id"),
    )
    op.create_index("ix_digest_outbox_state", "digest_outbox", ["state", "next_attempt_at"])
    op.create_table(
        "digest_sent_papers",
        sa.Column("subscriber_id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("outbox_id", sa.Integer, nullable=True),
        sa.Column("sent_at", _TZ, nullable=False),
        _subscriber_fk("digest_sent_papers"),
        sa.PrimaryKeyConstraint("subscriber_id", "paper_id", name="pk_digest_sent_papers"),
    )
    op.create_table(
        "digest_ratings",
        sa.Column("subscriber_id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=True),
        sa.Column("rating", sa.SmallInteger, nullable=False),
        sa.Column("rated_at", _TZ, nullable=False),
        _subscriber_fk("digest_ratings"),
        sa.PrimaryKeyConstraint("subscriber_id", "paper_id", name="pk_digest_ratings"),
    )
    op.create_index("ix_digest_ratings_paper_id", "digest_ratings", ["paper_id"])
    op.create_table(
        "scheduled_jobs",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("slot", sa.String(40), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(160), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("started_at", _TZ, nullable=False),
        sa.Column("lease_until", _TZ, nullable=False),
        sa.Column("finished_at", _TZ, nullable=True),
        sa.Column("result", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("name", "slot", name="pk_scheduled_jobs"),
    )
    # The shared send-rate slot (paperwire.digest.schema.SEND_SLOT_COUNTER).
    op.execute(sa.text("INSERT INTO counters (name, value) VALUES ('digest_send_slot', 0)"))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM counters WHERE name = 'digest_send_slot'"))
    for table in (
        "scheduled_jobs",
        "digest_ratings",
        "digest_sent_papers",
        "digest_outbox",
        "digest_rate_events",
        "digest_confirmations",
        "digest_subscribers",
    ):
        op.drop_table(table)
