"""The outbox Store: claiming rows to send and recording what became of them.

States: pending -> sending -> sent | retry | failed | uncertain (and cancelled: the
subscriber left before it went out). A row is claimed by compare-and-swap from pending or
retry to sending (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite), so two
senders never take the same row; every later mark names the claimer and the `sending` state,
so a sender whose row was meanwhile declared uncertain changes nothing. A sender records one
message's outcome in the same transaction that claims its next row: one commit per mail
(`claim_batch`: a batch's outcomes in the transaction that claims the next batch).

Delivery policy: at most once. A row found in `sending` whose sender died (the same host
sees its process gone; elsewhere, a claim older than `stale_after`) may or may not have
reached the server: it becomes `uncertain` and is never sent again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import sqlalchemy as sa

from paperwire.catalog import schema as catalog_schema
from paperwire.db.engine import write_connection
from paperwire.db.values import as_utc
from paperwire.digest import schema
from paperwire.digest.model import Subscriber, subscriber_from_row

_outbox = schema.outbox
_subs = schema.subscribers
_counters = catalog_schema.counters
STATES = ("pending", "sending", "sent", "retry", "failed", "uncertain", "cancelled")
# Rows a claim skips past in one transaction (cancelled or expired on the way).
_SKIP_LIMIT = 200
# A reserved send slot further ahead than this means a clock went wrong: start afresh.
_MAX_SLOT_AHEAD_US = 5 * 60 * 1_000_000


@dataclass(slots=True)
class OutboxRow:
    id: int
    kind: str  # digest | confirm
    period: str
    payload: dict[str, Any]
    attempts: int
    deadline_at: dt.datetime
    subscriber: Subscriber


@dataclass(slots=True)
class Claim:
    row: OutboxRow
    send_at: dt.datetime  # the shared rate limit's slot for this message


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a claimed row."""

    state: Literal["sent", "retry", "failed", "uncertain"]
    error: str = ""
    retry_at: dt.datetime | None = None  # retry
    bounce: bool = False  # failed because the address is refused: suppress it


Finished = tuple[int, Outcome]  # (row id, outcome)


class Store(Protocol):
    def claim(
        self, worker: str, now: dt.datetime, interval: float, finished: Finished | None = None
    ) -> Claim | None:
        """Record `finished` (if any), then claim the oldest due row, in one transaction."""
        ...

    def claim_batch(
        self,
        worker: str,
        now: dt.datetime,
        interval: float,
        finished: Sequence[Finished] = (),
        limit: int = 1,
    ) -> list[Claim]:
        """Record `finished`, then claim up to `limit` of the oldest due rows (each with its
        own send slot), in one transaction."""
        ...

    def finish(self, row_id: int, worker: str, now: dt.datetime, outcome: Outcome) -> bool: ...

    def release(self, row_id: int, worker: str) -> bool: ...

    def resolve_abandoned(
        self, now: dt.datetime, is_dead: Callable[[str], bool], stale_after: dt.timedelta
    ) -> int: ...

    def next_retry_at(self) -> dt.datetime | None: ...

    def counts(self) -> dict[str, int]: ...


def eligible(kind: str, status: str) -> bool:
    """Whether a subscriber in `status` may be sent a `kind` mail right now."""
    if kind == "confirm":
        return status in ("pending", "confirmed")
    return status == "confirmed"


def cancel_queued(connection: sa.Connection, subscriber_id: int, reason: str) -> None:
    """Queued mails of a subscriber who must get no more (a row being sent right now
    finishes; its sender records the outcome)."""
    connection.execute(
        _outbox.update()
        .where(_outbox.c.subscriber_id == subscriber_id, _outbox.c.state.in_(("pending", "retry")))
        .values(state="cancelled", last_error=reason)
    )


# Statements of the hot path, built once (building SQLAlchemy expressions per call cost
# more than running them).
_NOW = sa.bindparam("now", type_=sa.DateTime(timezone=True))
_OLDEST_DUE = (
    sa.select(
        _outbox.c.id,
        _outbox.c.kind,
        _outbox.c.period,
        _outbox.c.payload,
        _outbox.c.state,
        _outbox.c.attempts,
        _outbox.c.deadline_at,
        _subs,
    )
    .join(_subs, _subs.c.id == _outbox.c.subscriber_id)
    .where(_outbox.c.state == sa.bindparam("state"), _outbox.c.next_attempt_at <= _NOW)
    .order_by(_outbox.c.next_attempt_at, _outbox.c.id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
)
_OLDEST_DUE_LOCKED = _OLDEST_DUE.with_for_update(skip_locked=True, of=_outbox)
_TAKE = (
    _outbox.update()
    .where(_outbox.c.id == sa.bindparam("row_id"), _outbox.c.state == sa.bindparam("from_state"))
    .values(state="sending", claimed_by=sa.bindparam("worker"), claimed_at=_NOW)
)
_SET = _outbox.update().where(_outbox.c.id == sa.bindparam("row_id"))
_MARK = _outbox.update().where(
    _outbox.c.id == sa.bindparam("row_id"),
    _outbox.c.state == "sending",
    _outbox.c.claimed_by == sa.bindparam("worker"),
)

_ATTEMPT = {"attempts": _outbox.c.attempts + 1}
_ERROR = sa.bindparam("error", type_=sa.Text)
_FINISH_SENT = _MARK.values(state="sent", sent_at=_NOW, **_ATTEMPT)
_FINISH_RETRY = _MARK.values(
    state="retry",
    last_error=_ERROR,
    next_attempt_at=sa.bindparam("retry_at", type_=sa.DateTime(timezone=True)),
    **_ATTEMPT,
)
_FINISH = {
    state: _MARK.values(state=state, last_error=_ERROR, **_ATTEMPT)
    for state in ("failed", "uncertain", "retry")
}


def _slot_statement(postgres: bool) -> sa.Update:
    value, now_us = _counters.c.value, sa.bindparam("now_us", type_=sa.BigInteger)
    free: sa.ColumnElement[Any] = (
        sa.func.greatest(value, now_us) if postgres else sa.func.max(value, now_us)
    )
    ahead = sa.case((value > now_us + _MAX_SLOT_AHEAD_US, now_us), else_=free)
    return (
        _counters.update()
        .where(_counters.c.name == schema.SEND_SLOT_COUNTER)
        .values(value=ahead + sa.bindparam("step", type_=sa.BigInteger))
        .returning(_counters.c.value)
    )


_SLOT = {False: _slot_statement(False), True: _slot_statement(True)}

_locks: weakref.WeakKeyDictionary[sa.Engine, threading.Lock] = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def _engine_lock(engine: sa.Engine) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(engine, threading.Lock())


class SqlStore:
    """The Store over the catalog database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        # SQLite has one writer at a time, and a connection that finds the lock taken
        # sleeps in growing steps (1, 2, 5, 10... ms). Sender threads of one process queue
        # here instead; other processes still meet SQLite's busy timeout.
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            _engine_lock(engine) if not self._postgres else contextlib.nullcontext()
        )

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        with self._write_lock, write_connection(self.engine) as connection, connection.begin():
            yield connection

    def claim(
        self, worker: str, now: dt.datetime, interval: float, finished: Finished | None = None
    ) -> Claim | None:
        claims = self.claim_batch(worker, now, interval, [finished] if finished else [], 1)
        return claims[0] if claims else None

    def claim_batch(
        self,
        worker: str,
        now: dt.datetime,
        interval: float,
        finished: Sequence[Finished] = (),
        limit: int = 1,
    ) -> list[Claim]:
        rows: list[Any] = []
        with self._writing() as connection:
            for row_id, outcome in finished:
                self._finish_in(connection, row_id, worker, now, outcome)
            skipped = 0
            while len(rows) < limit and skipped < _SKIP_LIMIT:
                due = self._oldest_due(connection, now, limit - len(rows))
                if not due:
                    break
                for row in due:
                    mapping = row._mapping
                    if self._skip(connection, mapping, now):
                        skipped += 1
                        continue
                    taken = connection.execute(
                        _TAKE,
                        {
                            "row_id": mapping[_outbox.c.id],
                            "from_state": mapping[_outbox.c.state],
                            "worker": worker,
                            "now": now,
                        },
                    ).rowcount
                    if taken:  # (always: the lock makes losing the swap impossible)
                        rows.append(mapping)
                    else:  # pragma: no cover
                        skipped += 1
            if not rows:
                return []
            first, step = self._reserve_slots(connection, now, interval, len(rows))
        return [
            Claim(_row(mapping), first + dt.timedelta(microseconds=step * index))
            for index, mapping in enumerate(rows)
        ]

    def _skip(self, connection: sa.Connection, mapping: Any, now: dt.datetime) -> bool:
        """Settle a due row that must not be sent (cancelled or expired on the way)."""
        row_id, status = mapping[_outbox.c.id], mapping[_subs.c.status]
        if not eligible(mapping[_outbox.c.kind], status):
            connection.execute(
                _SET.values(state="cancelled", last_error=status), {"row_id": row_id}
            )
            return True
        if as_utc(mapping[_outbox.c.deadline_at]) <= now:
            connection.execute(
                _SET.values(state="failed", last_error="deadline passed"), {"row_id": row_id}
            )
            return True
        return False

    def _oldest_due(self, connection: sa.Connection, now: dt.datetime, limit: int) -> list[Any]:
        query = _OLDEST_DUE_LOCKED if self._postgres else _OLDEST_DUE
        for state in ("pending", "retry"):
            rows = connection.execute(query, {"state": state, "now": now, "limit": limit}).all()
            if rows:
                return list(rows)
        return []

    def _reserve_slots(
        self, connection: sa.Connection, now: dt.datetime, interval: float, count: int
    ) -> tuple[dt.datetime, int]:
        """`count` consecutive send slots: the first one's time and the step (µs)."""
        if interval <= 0:
            return now, 0
        step = max(1, int(interval * 1_000_000))
        now_us = int(now.timestamp() * 1_000_000)
        reserved = connection.execute(
            _SLOT[self._postgres], {"now_us": now_us, "step": step * count}
        ).scalar_one_or_none()
        if reserved is None:
            return now, step
        return dt.datetime.fromtimestamp((int(reserved) - step * count) / 1_000_000, dt.UTC), step

    def finish(self, row_id: int, worker: str, now: dt.datetime, outcome: Outcome) -> bool:
        with self._writing() as connection:
            return self._finish_in(connection, row_id, worker, now, outcome)

    def _finish_in(
        self,
        connection: sa.Connection,
        row_id: int,
        worker: str,
        now: dt.datetime,
        outcome: Outcome,
    ) -> bool:
        # Prebuilt statements (the hot path: one per mail).
        params: dict[str, Any] = {"row_id": row_id, "worker": worker}
        if outcome.state == "sent":
            statement, params["now"] = _FINISH_SENT, now
        elif outcome.state == "retry" and outcome.retry_at is not None:
            statement, params["retry_at"] = _FINISH_RETRY, outcome.retry_at
        else:
            statement = _FINISH[outcome.state]
        if outcome.state != "sent":
            params["error"] = outcome.error[:1000]
        changed = connection.execute(statement, params).rowcount
        if changed and outcome.bounce:
            self._suppress(connection, row_id, now, outcome.error)
        return bool(changed)

    def _suppress(
        self, connection: sa.Connection, row_id: int, now: dt.datetime, error: str
    ) -> None:
        """A hard bounce: the address gets nothing more."""
        subscriber_id = connection.execute(
            sa.select(_outbox.c.subscriber_id).where(_outbox.c.id == row_id)
        ).scalar_one()
        connection.execute(
            _subs.update()
            .where(_subs.c.id == subscriber_id)
            .values(
                status="suppressed",
                status_reason=f"hard bounce: {error[:500]}",
                status_changed_at=now,
                next_due_at=None,
                bounces=_subs.c.bounces + 1,
            )
        )
        cancel_queued(connection, subscriber_id, "suppressed after a hard bounce")

    # Shorthands for one outcome at a time (tests, tools).

    def mark_sent(self, row_id: int, worker: str, now: dt.datetime) -> bool:
        return self.finish(row_id, worker, now, Outcome("sent"))

    def mark_retry(self, row_id: int, worker: str, at: dt.datetime, error: str) -> bool:
        return self.finish(row_id, worker, at, Outcome("retry", error, retry_at=at))

    def mark_failed(
        self, row_id: int, worker: str, now: dt.datetime, error: str, *, bounce: bool
    ) -> bool:
        return self.finish(row_id, worker, now, Outcome("failed", error, bounce=bounce))

    def mark_uncertain(self, row_id: int, worker: str, error: str) -> bool:
        return self.finish(row_id, worker, dt.datetime.now(dt.UTC), Outcome("uncertain", error))

    def release(self, row_id: int, worker: str) -> bool:
        """Give a claimed row back untouched (stopping before its message went out)."""
        with self._writing() as connection:
            return bool(
                connection.execute(
                    _MARK.values(state="pending", claimed_by=None, claimed_at=None),
                    {"row_id": row_id, "worker": worker},
                ).rowcount
            )

    def resolve_abandoned(
        self, now: dt.datetime, is_dead: Callable[[str], bool], stale_after: dt.timedelta
    ) -> int:
        """Rows left in `sending` by senders that are gone become `uncertain`."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(_outbox.c.id, _outbox.c.claimed_by, _outbox.c.claimed_at).where(
                    _outbox.c.state == "sending"
                )
            ).all()
        resolved = 0
        for row in rows:
            owner = str(row.claimed_by or "")
            stale = row.claimed_at is None or as_utc(row.claimed_at) < now - stale_after
            if stale or is_dead(owner):
                reason = "its sender stopped during the send (at-most-once: not resent)"
                resolved += self.finish(int(row.id), owner, now, Outcome("uncertain", reason))
        return resolved

    def next_retry_at(self) -> dt.datetime | None:
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(sa.func.min(_outbox.c.next_attempt_at)).where(
                    _outbox.c.state.in_(("pending", "retry"))
                )
            ).scalar()
        return as_utc(value) if value is not None else None

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(_outbox.c.state, sa.func.count()).group_by(_outbox.c.state)
            ).all()
        return {str(state): int(count) for state, count in rows}


def _row(mapping: Any) -> OutboxRow:
    # Keyed by column objects: both tables have an "id" and a "created_at".
    return OutboxRow(
        id=int(mapping[_outbox.c.id]),
        kind=mapping[_outbox.c.kind],
        period=mapping[_outbox.c.period],
        payload=dict(mapping[_outbox.c.payload]),
        attempts=int(mapping[_outbox.c.attempts]),
        deadline_at=as_utc(mapping[_outbox.c.deadline_at]),
        subscriber=subscriber_from_row({column.name: mapping[column] for column in _subs.c}),
    )
