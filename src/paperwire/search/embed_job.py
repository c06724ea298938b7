"""The embed job: compute vectors for new and changed papers, a committed batch at a time.

Resumable by construction: what is pending is derived from the catalog on every run (no
vector row, a row older than the paper's change_seq, or another model's row), and every
batch commits its vectors before the next starts. A job killed at any point loses at most
the batch in flight, and a restart never recomputes a stored vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from paperwire.catalog import schema
from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog, next_counter
from paperwire.db.engine import write_connection
from paperwire.search.embedder import Embedder, paper_text
from paperwire.search.vector_store import encode, paper_vectors, read_stored, upsert_statement

_papers = schema.papers
_vectors = paper_vectors


@dataclass(slots=True)
class EmbedReport:
    checked: int = 0  # pending papers looked at
    embedded: int = 0  # vectors computed (new papers, or text changed)
    refreshed: int = 0  # text unchanged: only the row's seq moved
    batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "embedded": self.embedded,
            "refreshed": self.refreshed,
            "batches": self.batches,
        }


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pending_condition(model_id: str) -> sa.ColumnElement[bool]:
    return sa.or_(
        _vectors.c.paper_id.is_(None),
        _vectors.c.seq < _papers.c.change_seq,
        _vectors.c.model_id != model_id,
    )


def _pending_from() -> sa.Join:
    return _papers.outerjoin(_vectors, _vectors.c.paper_id == _papers.c.id)


def count_pending(catalog: Catalog, model_id: str | None = None) -> int:
    """Papers the next run will look at (an upper bound on what it embeds): a progress total.

    Without `model_id`, a vector of any model counts as current.
    """
    condition = (
        _pending_condition(model_id)
        if model_id is not None
        else sa.or_(_vectors.c.paper_id.is_(None), _vectors.c.seq < _papers.c.change_seq)
    )
    query = sa.select(sa.func.count()).select_from(_pending_from()).where(condition)
    with catalog.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _pending_pages(catalog: Catalog, model_id: str, page_size: int) -> Iterator[list[str]]:
    """Ids of pending papers in (change_seq, id) order; keyset paging so every page moves on
    even when a paper stays pending (changed again while we embedded it)."""
    seq, after_id = -1, ""
    while True:
        newer = (_papers.c.change_seq > seq) | (
            (_papers.c.change_seq == seq) & (_papers.c.id > after_id)
        )
        query = (
            sa.select(_papers.c.change_seq, _papers.c.id)
            .select_from(_pending_from())
            .where(_pending_condition(model_id), newer)
            .order_by(_papers.c.change_seq, _papers.c.id)
            .limit(page_size)
        )
        with catalog.engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            return
        yield [str(row.id) for row in rows]
        seq, after_id = int(rows[-1].change_seq), str(rows[-1].id)


def embed_pending(
    catalog: Catalog,
    embedder: Embedder,
    *,
    batch_size: int = 64,
    on_progress: Callable[[int], None] | None = None,
    limit: int | None = None,
) -> EmbedReport:
    """Embed new and changed papers; `on_progress(n)` after each batch of n checked papers.

    `limit` stops after that many papers have been checked (the rest stay pending).
    """
    report = EmbedReport()
    for ids in _pending_pages(catalog, embedder.model_id, batch_size):
        if limit is not None:
            ids = ids[: max(0, limit - report.checked)]
            if not ids:
                break
        papers = catalog.get_many(ids, with_sources=False)
        _embed_batch(catalog, embedder, papers, report)
        report.checked += len(papers)
        report.batches += 1
        if on_progress is not None:
            on_progress(len(papers))
        if limit is not None and report.checked >= limit:
            break
    return report


def _embed_batch(
    catalog: Catalog, embedder: Embedder, papers: list[Paper], report: EmbedReport
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
    report.embedded += len(to_embed)
    report.refreshed += len(to_refresh)
