"""The digest tables, registered on the shared metadata (migration 0004 creates them)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from paperwire.db.metadata import metadata


def _subscriber_id(**options: Any) -> sa.Column[int]:
    """The column naming a subscriber; their rows go when the subscriber does."""
    return sa.Column(
        "subscriber_id",
        sa.Integer,
        sa.ForeignKey("digest_subscribers.id", ondelete="CASCADE"),
        **options,
    )


# Who gets mail. `email_key` (lowercased) is what makes an address unique; `user_id` links a
# subscription made from an account (no foreign key: accounts live in the community tables).
subscribers = sa.Table(
    "digest_subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("email_key", sa.String(254), nullable=False, unique=True),
    sa.Column("user_id", sa.BigInteger, nullable=True, index=True),
    # pending -> confirmed -> unsubscribed; suppressed after a hard bounce.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("frequency", sa.String(8), nullable=False),
    sa.Column("weekday", sa.SmallInteger, nullable=False),  # 0 = Monday, weekly digests
    sa.Column("hour", sa.SmallInteger, nullable=False),  # local delivery hour, 0..23
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("paper_count", sa.SmallInteger, nullable=False),
    sa.Column("topics", sa.JSON, nullable=False),
    # Mixed into every signed link: replacing it revokes all links of old mails.
    sa.Column("link_key", sa.String(32), nullable=False),
    sa.Column("bounces", sa.Integer, nullable=False),
    sa.Column("status_reason", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
    # Set only while confirmed: the scheduler's whole query is `next_due_at <= now`.
    sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True, index=True),
    # Last listing day the previous digest covered; the next one starts there.
    sa.Column("covered_until", sa.Date, nullable=True),
)

# Double opt-in: only a hash of each single-use token is kept.
confirmations = sa.Table(
    "digest_confirmations",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    _subscriber_id(nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

# Confirmation mails are rate-limited in accounts' mail_rate_events (accounts/mail_limits.py,
# migration 0006), with every other route that sends mail.

# One row per mail to send: a digest (period = the subscriber's local delivery day) or a
# confirmation (period = "confirm:" + nonce). UNIQUE(subscriber, period): a scheduler that
# fires twice creates nothing new.
outbox = sa.Table(
    "digest_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    _subscriber_id(nullable=False),
    sa.Column("period", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    # pending -> sending -> sent | retry | failed | uncertain (docs/digests.md)
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_by", sa.String(160), nullable=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("subscriber_id", "period"),
    # Claims take the oldest due row of one state: a range scan, however long the outbox.
    sa.Index("ix_digest_outbox_state", "state", "next_attempt_at"),
)

# Papers each subscriber has been mailed (recorded when the digest is composed), so no
# paper is ever mailed to the same person twice.
sent_papers = sa.Table(
    "digest_sent_papers",
    metadata,
    _subscriber_id(primary_key=True),
    sa.Column("paper_id", sa.String(200), primary_key=True),
    sa.Column("outbox_id", sa.Integer, nullable=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

# 👍/👎 from the links in digests: input for recommendations.
ratings = sa.Table(
    "digest_ratings",
    metadata,
    _subscriber_id(primary_key=True),
    sa.Column("paper_id", sa.String(200), primary_key=True, index=True),
    sa.Column("user_id", sa.BigInteger, nullable=True),
    sa.Column("rating", sa.SmallInteger, nullable=False),  # +1 or -1
    sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
)

# counters row (catalog.schema.counters) holding the next free send slot, in microseconds
# since the epoch: every sender reserves its slot there, so the rate limit holds across
# all workers together.
SEND_SLOT_COUNTER = "digest_send_slot"
