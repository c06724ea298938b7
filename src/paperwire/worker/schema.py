"""The worker's job table."""

from __future__ import annotations

import sqlalchemy as sa

from paperwire.db.metadata import metadata

# Scheduled jobs of `paperwire worker`: one row per (job, due slot), inserted by whichever
# worker gets there first, so no job runs twice for the same slot.
jobs = sa.Table(
    "scheduled_jobs",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("slot", sa.String(40), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),  # running | done | failed
    sa.Column("claimed_by", sa.String(160), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    # A running job's claim lapses then (its worker died); a failed one may be retried then.
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("result", sa.JSON, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)
