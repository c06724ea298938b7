"""The embed job: compute vectors for new and changed papers, a committed batch at a time.

Resumable by construction: what is pending is derived from the catalog on every run (no
vector row, a row older than the paper's change_seq, or another model's row), and every
batch commits its vectors before the next starts. A job killed at any point loses at most
the batch in flight, and a restart never recomputes a stored vector.

Shared by construction too: each batch is claimed first (search/claims.py), so any number
of runs, on any number of machines, split the pending papers between them. A run killed
mid-batch leaves claims that lapse after the lease; another run then takes them over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from paperwire.catalog import schema
from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog, next_counter
from paperwire.db.engine import write_connection
from paperwire.process_identity import worker_id
from paperwire.search.claims import START, ClaimTable, pending_condition, pending_from
from paperwire.search.embedder import Embedder, paper_text
from paperwire.search.vector_store import encode, paper_vectors, read_stored, upsert_statement

_vectors = paper_vectors
# Longer than any batch takes (64 papers: seconds on one core): a lapsed claim means a dead
# run, not a slow one. A slow run that overstays only costs a second embedding: writes are
# idempotent (vector_store.upsert_statement).
DEFAULT_LEASE = dt.timedelta(minutes=10)
# How often a run that waits for other runs' claims looks again.
POLL_SECONDS = 1.0


@dataclass(slots=True)
class EmbedReport:
    checked: int = 0  # pending papers looked at
    embedded: int = 0  # vectors computed (new papers, or text changed)
    refreshed: int = 0  # text unchanged: only the row's seq moved
    batches: int = 0
    taken_over: int = 0  # lapsed claims of dead runs dropped, their papers done again

    def as_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "embedded": self.embedded,
            "refreshed": self.refreshed,
            "batches": self.batches,
            "taken_over": self.taken_over,
        }


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def count_pending(catalog: Catalog, model_id: str | None = None) -> int:
    """Papers the next run will look at (an upper bound on what it embeds): a progress total.

    Without `model_id`, a vector of any model counts as current.
    """
    condition = (
        pending_condition(model_id)
        if model_id is not None
        else sa.or_(_vectors.c.paper_id.is_(None), _vectors.c.seq < schema.papers.c.change_seq)
    )
    query = sa.select(sa.func.count()).select_from(pending_from()).where(condition)
    with catalog.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def claim_table(
    catalog: Catalog, lease: dt.timedelta = DEFAULT_LEASE, worker: str | None = None
) -> ClaimTable:
    """Claims under this process's identity, unique per run (two runs in one process
    must not pass for one)."""
    name = worker or f"{worker_id()}:{uuid.uuid4().hex[:8]}"
    return ClaimTable(catalog.engine, name, lease)


def embed_pending(
    catalog: Catalog,
    embedder: Embedder,
    *,
    batch_size: int = 64,
    on_progress: Callable[[int], None] | None = None,
    limit: int | None = None,
    claims: ClaimTable | None = None,
    wait_for_others: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> EmbedReport:
    """Embed new and changed papers; `on_progress(n)` after each batch of n checked papers.

    `limit` stops after that many papers have been checked (the rest stay pending).
    `wait_for_others`: when nothing is left to claim, wait while other runs still hold
    claims, and take over those that lapse, so that the run ends with every paper done
    (`paperwire embed` on several machines); without it (the worker's job) a run ends at
    once and the next run takes over what a dead run left.
    """
    claims = claims or claim_table(catalog)
    report = EmbedReport()
    cursor = START
    try:
        while limit is None or report.checked < limit:
            size = batch_size if limit is None else min(batch_size, limit - report.checked)
            claimed = claims.claim(embedder.model_id, cursor, size, catalog.clock.now())
            if claimed.candidates:
                # Keyset paging: every claim moves on, even past a paper that stays
                # pending (changed again while we embedded it: its new change_seq is ahead).
                cursor = claimed.cursor
                if claimed.ids:
                    papers = catalog.get_many(claimed.ids, with_sources=False)
                    _embed_batch(catalog, embedder, papers, claims, report)
                    report.checked += len(papers)
                    report.batches += 1
                    if on_progress is not None:
                        on_progress(len(papers))
                continue
            lapsed = claims.drop_lapsed(catalog.clock.now())
            if lapsed:
                report.taken_over += lapsed
                cursor = START  # their papers lie behind the cursor
                continue
            if not wait_for_others:
                break
            held, first_lapse = claims.held_by_others()
            if not held:
                break
            # Papers that another run finishes, or changes made meanwhile, are ahead of
            # the cursor; a lapse is seen by drop_lapsed on the next round.
            until_lapse = (
                (first_lapse - catalog.clock.now()).total_seconds() if first_lapse else 0.0
            )
            sleep(max(0.05, min(POLL_SECONDS, until_lapse)))
    except BaseException:
        # Interrupted (Ctrl-C, an error): hand the batch in flight back now rather than
        # after the lease. A SIGKILL gets no say; its claims lapse.
        claims.release_all()
        raise
    return report


def _embed_batch(
    catalog: Catalog,
    embedder: Embedder,
    papers: list[Paper],
    claims: ClaimTable,
    report: EmbedReport,
) -> None:
    texts = {paper.id: paper_text(paper) for paper in papers}
    hashes = {paper_id: text_hash(text) for paper_id, text in texts.items()}
    with catalog.engine.connect() as connection:
        stored = read_stored(connection, list(texts))
    to_embed = [
        paper
        for paper in papers
        if (old := stored.get(paper.id)) is None
        or old.text_hash != hashes[paper.id]
        or old.model_id != embedder.model_id
    ]
    # Embed outside the write transaction: on SQLite it would block every other writer.
    vectors = embedder.embed([texts[paper.id] for paper in to_embed])
    embedded_ids = {paper.id for paper in to_embed}
    to_refresh = [paper for paper in papers if paper.id not in embedded_ids]
    now = catalog.clock.now()
    with write_connection(catalog.engine) as connection, connection.begin():
        if to_embed:
            stored_seq = next_counter(connection, "vector_seq")
            rows = [
                {
                    "paper_id": paper.id,
                    "model_id": embedder.model_id,
                    "text_hash": hashes[paper.id],
                    "seq": paper.change_seq,
                    "stored_seq": stored_seq,
                    "vector": encode(vector),
                    "embedded_at": now,
                }
                for paper, vector in zip(to_embed, vectors, strict=True)
            ]
            connection.execute(upsert_statement(connection), rows)
        if to_refresh:
            # Same text, same vector: record that it reflects this change_seq, and leave
            # stored_seq alone so that indexes do not re-add an identical vector.
            connection.execute(
                _vectors.update()
                .where(
                    _vectors.c.paper_id == sa.bindparam("refresh_id"),
                    _vectors.c.text_hash == sa.bindparam("refresh_hash"),
                    _vectors.c.seq < sa.bindparam("refresh_seq"),
                )
                .values(seq=sa.bindparam("refresh_seq")),
                [
                    {
                        "refresh_id": paper.id,
                        "refresh_hash": hashes[paper.id],
                        "refresh_seq": paper.change_seq,
                    }
                    for paper in to_refresh
                ],
            )
        # With the vectors, in one commit: a paper is never both done and still held.
        claims.release(connection, [paper.id for paper in papers])
    report.embedded += len(to_embed)
    report.refreshed += len(to_refresh)
