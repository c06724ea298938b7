"""Claims on papers to embed, so that N `paperwire embed` processes on N machines share a
backfill without doing a paper twice.

A worker claims a batch in one short write transaction: it picks pending papers that nobody
holds and inserts one `embed_claims` row per paper. The insert is the arbiter on both
databases: `INSERT ... ON CONFLICT DO NOTHING RETURNING paper_id` returns only the papers
this worker now holds, so two workers that picked the same candidates split them, never
share them. On SQLite the claim transaction is BEGIN IMMEDIATE (one writer at a time:
picking and inserting cannot interleave); on PostgreSQL the candidates are read `FOR UPDATE
OF papers SKIP LOCKED`, so concurrent claimers mostly pick different papers and seldom lose
a race.

The vectors and the release of their claims commit in one transaction (embed_job.py): a
worker killed mid-batch leaves only its claims. They lapse after the lease (or at once, for
a run on the same machine whose process is gone); then `drop_lapsed` deletes them and their
papers are claimable again. Leases are compared
against each worker's own clock, as the job table does (worker/jobs.py): the lease
(minutes) dwarfs any NTP skew.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from paperwire.catalog import schema
from paperwire.catalog.schema import paper_id_column
from paperwire.db.connections import dialect_insert
from paperwire.db.engine import write_connection
from paperwire.db.metadata import metadata
from paperwire.db.values import as_utc
from paperwire.process_identity import is_dead
from paperwire.search.vector_store import paper_vectors

embed_claims = sa.Table(
    "embed_claims",
    metadata,
    paper_id_column(primary_key=True),
    sa.Column("worker", sa.String(160), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    # Past this time the claim is void: its worker is taken to be dead.
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False, index=True),
)

_papers = schema.papers
_vectors = paper_vectors
_claims = embed_claims
# (change_seq, id) of the position before the first paper.
START: tuple[int, str] = (-1, "")


@dataclass(frozen=True, slots=True)
class Claimed:
    """One claim attempt: the papers now held, and how far the candidate scan got."""

    ids: list[str]  # in (change_seq, id) order
    cursor: tuple[int, str]  # the last candidate looked at; START when there was none
    candidates: int  # pending papers looked at (claimed by us or lost to another worker)


def pending_condition(model_id: str) -> sa.ColumnElement[bool]:
    """A paper needs a vector: none yet, an older one than its last change, another model's."""
    return sa.or_(
        _vectors.c.paper_id.is_(None),
        _vectors.c.seq < _papers.c.change_seq,
        _vectors.c.model_id != model_id,
    )


def pending_from() -> sa.Join:
    return _papers.outerjoin(_vectors, _vectors.c.paper_id == _papers.c.id)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


class ClaimTable:
    """The embed claims of one worker (`worker` names it in every row it holds)."""

    def __init__(self, engine: sa.Engine, worker: str, lease: dt.timedelta) -> None:
        self.engine = engine
        self.worker = worker
        self.lease = lease

    def claim(self, model_id: str, after: tuple[int, str], size: int, now: dt.datetime) -> Claimed:
        """Hold up to `size` pending papers after `after` in (change_seq, id) order."""
        now = _utc(now)
        seq, after_id = after
        query = (
            sa.select(_papers.c.change_seq, _papers.c.id)
            .select_from(pending_from().outerjoin(_claims, _claims.c.paper_id == _papers.c.id))
            .where(pending_condition(model_id), _claims.c.paper_id.is_(None))
            .where(
                (_papers.c.change_seq > seq)
                | ((_papers.c.change_seq == seq) & (_papers.c.id > after_id))
            )
            .order_by(_papers.c.change_seq, _papers.c.id)
            .limit(size)
        )
        with write_connection(self.engine) as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(of=_papers, skip_locked=True)
            rows = connection.execute(query).all()
            if not rows:
                return Claimed([], START, 0)
            insert = dialect_insert(connection, _claims)
            held = set(
                connection.execute(
                    insert.values(
                        [
                            {
                                "paper_id": row.id,
                                "worker": self.worker,
                                "claimed_at": now,
                                "lease_until": now + self.lease,
                            }
                            for row in rows
                        ]
                    )
                    # Another claimer got there first (PostgreSQL, between our read and
                    # this insert): the paper is theirs, and drops out of our batch.
                    .on_conflict_do_nothing(index_elements=[_claims.c.paper_id])
                    .returning(_claims.c.paper_id)
                ).scalars()
            )
        last = rows[-1]
        return Claimed(
            [str(row.id) for row in rows if row.id in held],
            (int(last.change_seq), str(last.id)),
            len(rows),
        )

    def release(self, connection: sa.Connection, ids: Sequence[str]) -> None:
        """Drop our claims on `ids` (in the caller's transaction: with the vectors)."""
        for start in range(0, len(ids), 5000):
            connection.execute(
                _claims.delete().where(
                    _claims.c.paper_id.in_(list(ids[start : start + 5000])),
                    _claims.c.worker == self.worker,
                )
            )

    def release_all(self) -> None:
        """Drop every claim we hold (a run that stops early hands its batch back at once)."""
        with write_connection(self.engine) as connection, connection.begin():
            connection.execute(_claims.delete().where(_claims.c.worker == self.worker))

    def drop_lapsed(self, now: dt.datetime) -> int:
        """Delete the claims of dead runs: lapsed ones, and at once those of a run on this
        machine whose process is gone (process_identity.is_dead); how many there were.

        Their papers, if still pending, become claimable like any other.
        """
        now = _utc(now)
        with write_connection(self.engine) as connection, connection.begin():
            rows = connection.execute(
                sa.select(_claims.c.paper_id, _claims.c.worker, _claims.c.lease_until).where(
                    _claims.c.worker != self.worker
                )
            ).all()
            dead = {
                worker
                for worker in {str(row.worker) for row in rows}
                if is_dead(worker.rsplit(":", 1)[0])  # without the run's own suffix
            }
            ids = [
                str(row.paper_id)
                for row in rows
                if row.worker in dead or as_utc(row.lease_until) <= now
            ]
            for start in range(0, len(ids), 5000):
                connection.execute(
                    _claims.delete().where(
                        _claims.c.paper_id.in_(ids[start : start + 5000]),
                        _claims.c.worker != self.worker,
                    )
                )
        return len(ids)

    def held_by_others(self) -> tuple[int, dt.datetime | None]:
        """How many live claims other workers hold, and when the first of them lapses."""
        query = sa.select(sa.func.count(), sa.func.min(_claims.c.lease_until)).where(
            _claims.c.worker != self.worker
        )
        with self.engine.connect() as connection:
            count, first = connection.execute(query).one()
        return int(count), (as_utc(first) if first is not None else None)
