"""One table of mail rate events for every route that sends mail (accounts/mail_limits.py):
sign-up, verification resend, password reset and digest subscription count in
mail_rate_events, which replaces the digest's own digest_rate_events (its rows are only
an hour or a day of counts, so none are carried over).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_rate_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mail_rate_events"),
    )
    op.create_index("ix_mail_rate_events_at", "mail_rate_events", ["at"])
    op.create_index("ix_mail_rate_events_key_at", "mail_rate_events", ["key", "at"])
    op.drop_table("digest_rate_events")


def downgrade() -> None:
    op.create_table(
        "digest_rate_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digest_rate_events"),
    )
    op.create_index("ix_digest_rate_events_key", "digest_rate_events", ["key"])
    op.create_index("ix_digest_rate_events_at", "digest_rate_events", ["at"])
    op.drop_table("mail_rate_events")
