"""Scheduled jobs that run once per slot, however many workers are up.

A job names when it is due: daily at an hour (UTC), or every N minutes. Its slot is the
latest due time that has passed ("2026-03-16" for a daily job, "2026-03-16T08:05" for a
five-minute one): after downtime the latest missed slot runs once, not every missed one.
A worker runs a job for a slot only after inserting the (job, slot) row in
`scheduled_jobs`; the primary key lets exactly one insert succeed, so two workers (or a
scheduler firing twice) never run a job twice for a slot. A worker that dies mid-job
leaves its row `running` until its lease lapses; then another worker takes it over, or at
once a worker on the same machine, which can tell that the process is gone (a restart after
a SIGKILL finishes the slot's work now, not in the next slot). A failed job is retried
within its slot after `RETRY_AFTER`, at most `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from paperwire.clock import Clock
from paperwire.db.connections import dialect_insert
from paperwire.db.engine import write_connection
from paperwire.db.values import as_utc
from paperwire.process_identity import is_dead
from paperwire.worker import schema

log = logging.getLogger(__name__)
_jobs = schema.jobs
LEASE = dt.timedelta(hours=2)  # longer than any job runs; a lapsed lease means a dead worker
RETRY_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: Callable[[dt.datetime], dict[str, Any]]  # gets the slot's time; returns a summary
    every_minutes: int | None = None  # every N minutes...
    daily_at: int | None = None  # ...or once a day at this UTC hour

    def slot(self, now: dt.datetime) -> tuple[str, dt.datetime]:
        """The latest due slot at `now`: its key and its time."""
        now = now.astimezone(dt.UTC)
        if self.daily_at is not None:
            due = now.replace(hour=self.daily_at, minute=0, second=0, microsecond=0)
            if due > now:
                due -= dt.timedelta(days=1)
            return due.date().isoformat(), due
        minutes = self.every_minutes or 1
        since_midnight = now.hour * 60 + now.minute
        due = now.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(
            minutes=since_midnight - since_midnight % minutes
        )
        return due.strftime("%Y-%m-%dT%H:%M"), due


@dataclass(frozen=True, slots=True)
class JobRun:
    name: str
    slot: str
    state: str  # done | failed
    result: dict[str, Any]


class JobTable:
    def __init__(self, engine: sa.Engine, worker: str) -> None:
        self.engine = engine
        self.worker = worker

    def claim(self, name: str, slot: str, now: dt.datetime) -> bool:
        """Take (job, slot): the first claim wins; a dead worker's or a failed run's row is
        taken over once its lease or retry time has passed."""
        with write_connection(self.engine) as connection, connection.begin():
            inserted = connection.execute(
                dialect_insert(connection, _jobs)
                .values(
                    name=name,
                    slot=slot,
                    state="running",
                    claimed_by=self.worker,
                    attempts=1,
                    started_at=now,
                    lease_until=now + LEASE,
                )
                .on_conflict_do_nothing()
                .returning(_jobs.c.name)  # (rowcount is -1 here on psycopg)
            ).scalar_one_or_none()
            if inserted is not None:
                return True
            takeover = (
                _jobs.update()
                .where(
                    _jobs.c.name == name,
                    _jobs.c.slot == slot,
                    _jobs.c.state.in_(("running", "failed")),
                    _jobs.c.attempts < MAX_ATTEMPTS,
                )
                .values(
                    state="running",
                    claimed_by=self.worker,
                    attempts=_jobs.c.attempts + 1,
                    started_at=now,
                    lease_until=now + LEASE,
                )
            )
            if connection.execute(takeover.where(_jobs.c.lease_until <= now)).rowcount:
                return True
            # A run whose worker is certainly dead (SIGKILL, OOM) need not wait out the
            # lease: the lease is hours, longer than the slot of an hourly job.
            holder = connection.execute(
                sa.select(_jobs.c.claimed_by).where(
                    _jobs.c.name == name, _jobs.c.slot == slot, _jobs.c.state == "running"
                )
            ).scalar_one_or_none()
            if holder is None or holder == self.worker or not is_dead(str(holder)):
                return False
            # Only if it is still that run's: two workers taking over at once, one wins.
            return bool(
                connection.execute(
                    takeover.where(_jobs.c.state == "running", _jobs.c.claimed_by == holder)
                ).rowcount
            )

    def finish(
        self, name: str, slot: str, now: dt.datetime, result: dict[str, Any], error: str | None
    ) -> None:
        values: dict[str, Any] = {"finished_at": now, "result": result, "error": error}
        if error is None:
            values["state"] = "done"
        else:
            values.update(state="failed", lease_until=now + RETRY_AFTER)
        with write_connection(self.engine) as connection, connection.begin():
            connection.execute(
                _jobs.update()
                .where(_jobs.c.name == name, _jobs.c.slot == slot)
                .where(_jobs.c.claimed_by == self.worker, _jobs.c.state == "running")
                .values(**values)
            )

    def history(self, name: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(_jobs).order_by(_jobs.c.started_at, _jobs.c.name)
        if name:
            query = query.where(_jobs.c.name == name)
        with self.engine.connect() as connection:
            return [
                dict(row._mapping) | {"started_at": as_utc(row.started_at)}
                for row in connection.execute(query)
            ]


def run_due(table: JobTable, jobs: list[Job], clock: Clock) -> list[JobRun]:
    """Run every job whose current slot nobody has claimed yet (in list order)."""
    runs: list[JobRun] = []
    for job in jobs:
        now = clock.now()
        slot, due = job.slot(now)
        if not table.claim(job.name, slot, now):
            continue
        try:
            result = job.run(due)
        except Exception as error:  # one job failing must not stop the others
            log.exception("job %s (%s) failed", job.name, slot)
            detail = "".join(traceback.format_exception_only(error)).strip()
            table.finish(job.name, slot, clock.now(), {}, detail[:2000])
            runs.append(JobRun(job.name, slot, "failed", {"error": detail}))
            continue
        table.finish(job.name, slot, clock.now(), result, None)
        runs.append(JobRun(job.name, slot, "done", result))
    return runs
