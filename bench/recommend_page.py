"""bench/recommend.py's product figures: the /for-you page and a reader's refit, from SQLite.

Loads SciFact into a real SQLite catalog in a temporary folder (papers with their title and
abstract, the bench's vectors stored as the embed job stores them; the candidate period
listed over the last 30 days, the past before that), stores the simulated readers' likes
and dislikes as signals, runs `Recommender.refresh_all` (the worker job), then times:

- **page**: `Recommender.recommend(reader, 20)`, what the /for-you page calls: it reads the
  reader's signals and interests (is the stored row stale?), the stored ranking row, and
  hydrates the papers and their reasons (titles, vectors of the liked papers); no model is
  fitted. **ranking read** is the part of it that stands where the SVM's fit + score
  stands: the staleness check and the stored row, without the hydration a page of
  arxiv-sanity-lite needs too.
- **refit**: `Recommender.refresh_reader(reader)`, what follows a new signal: the reader's
  signals and rated papers read, the model refitted over the cached pool, the row stored.
- **pool load**: `ranking.load_pool` (vectors, texts, the keyword space fitted), what a
  refresh (or the first refit after the catalog changed) pays once.

nDCG@10 of the stored pages is reported too, as a check that the engine from the database
serves what `ranking.rank_chunk` scored in the table (it adds the recency penalty, which
the table leaves out).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import sqlalchemy as sa

from paperwire.catalog.schema import counters, papers
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.recommend import ranking
from paperwire.recommend.engine import Recommender
from paperwire.recommend.interests import interests_by_reader
from paperwire.recommend.readers import Reader
from paperwire.recommend.schema import reader_recommendations as stored
from paperwire.recommend.schema import reader_signals
from paperwire.recommend.signals import signals_by_reader
from paperwire.search.vector_store import encode, paper_vectors
from recommend_sim import SimReader, Split, metrics

NOW = dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.UTC)
PAGE = 20  # web/for_you_view.PAGE_SIZE


def paper_id(row: int) -> str:
    return f"2601.{row + 10000:05d}"


def _titles(folder: Path) -> list[tuple[str, str]]:
    found = []
    with (folder / "corpus.jsonl").open() as handle:
        for line in handle:
            doc = json.loads(line)
            found.append((doc.get("title") or "", doc.get("text") or ""))
    return found


def build(
    catalog: Catalog, data: Path, unit: npt.NDArray[np.float32], times: Split
) -> dict[int, dt.date]:
    texts = _titles(data)
    today = NOW.date()
    listed: dict[int, dt.date] = {}
    for rank, row in enumerate(times.test):  # the candidates: the last 30 days
        listed[int(row)] = today - dt.timedelta(days=29 - rank * 30 // len(times.test))
    for rank, row in enumerate(times.train):  # the past: 31-400 days ago
        listed[int(row)] = today - dt.timedelta(days=400 - rank * 369 // len(times.train))
    rows = [
        {
            "id": paper_id(row),
            "title": title or "(untitled)",
            "abstract": abstract,
            "authors": [],
            "categories": ["q-bio.QM"],
            "primary_category": "q-bio.QM",
            "links": [],
            "listed_on": listed[row],
            "listed_from_feed": False,
            "extras": {},
            "authority": 1,
            "withdrawn": False,
            "change_seq": row + 1,
            "created_at": NOW,
            "modified_at": NOW,
        }
        for row, (title, abstract) in enumerate(texts)
    ]
    vectors = [
        {
            "paper_id": paper_id(row),
            "model_id": "bench",
            "text_hash": "0" * 64,
            "seq": row + 1,
            "stored_seq": 1,
            "vector": encode(unit[row]),
            "embedded_at": NOW,
        }
        for row in range(len(texts))
    ]
    with catalog.engine.begin() as connection:
        connection.execute(papers.insert(), rows)
        connection.execute(paper_vectors.insert(), vectors)
        connection.execute(
            counters.update().where(counters.c.name == "change_seq").values(value=len(rows))
        )
    return listed


def _signals(readers: list[SimReader]) -> list[dict[str, Any]]:
    rows = []
    for number, reader in enumerate(readers):
        stream = reader.stream
        for step, (row, value) in enumerate(stream):
            moment = NOW - dt.timedelta(seconds=len(stream) - step)
            rows.append(
                {
                    "reader": Reader("user", number + 1).key,
                    "paper_id": paper_id(row),
                    "source": "digest",
                    "value": value,
                    "created_at": moment,
                }
            )
    return rows


def _ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": round(1000 * ordered[len(ordered) // 2], 2),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def measure(
    data: Path, unit: npt.NDArray[np.float32], times: Split, readers: list[SimReader]
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        catalog = Catalog.open(f"sqlite:///{Path(folder) / 'bench.db'}", FakeClock(NOW))
        build(catalog, data, unit, times)
        with catalog.engine.begin() as connection:
            connection.execute(reader_signals.insert(), _signals(readers))
        recommender = Recommender(catalog)
        started = time.perf_counter()
        since = NOW.date() - dt.timedelta(days=29)
        pool = ranking.load_pool(catalog.engine, since, NOW.date(), NOW.date())
        pool_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = recommender.refresh_all()
        refresh_seconds = time.perf_counter() - started
        keys = [Reader("user", number + 1) for number in range(len(readers))]
        recommender.recommend(keys[0], PAGE)  # warm: the first read opens the connection
        page_seconds, quality = [], []
        back = {paper_id(int(row)): position for position, row in enumerate(times.test)}
        for key, reader in zip(keys, readers, strict=True):
            tick = time.perf_counter()
            page = recommender.recommend(key, PAGE)
            page_seconds.append(time.perf_counter() - tick)
            ranked = np.array([back[item.paper.id] for item in page.items], dtype=np.intp)
            quality.append(metrics(ranked, times.test, reader.relevant))
        read_seconds = []
        for key in keys:
            tick = time.perf_counter()
            signals_by_reader(catalog.engine, [key])
            interests_by_reader(catalog.engine, [key])
            with catalog.engine.connect() as connection:
                payload = connection.execute(
                    sa.select(stored.c.payload).where(stored.c.reader == key.key)
                ).scalar_one()
            orjson.loads(payload)["items"][:PAGE]
            read_seconds.append(time.perf_counter() - tick)
        refit_seconds = []
        for key in keys:
            tick = time.perf_counter()
            recommender.refresh_reader(key)
            refit_seconds.append(time.perf_counter() - tick)
        size = (Path(folder) / "bench.db").stat().st_size
        catalog.close()
    return {
        "papers": len(unit),
        "candidates": report.candidates,
        "readers": report.readers,
        "database_mib": round(size / 2**20, 1),
        "load_pool_seconds": round(pool_seconds, 2),
        "keyword_terms": len(pool.keyword_space.vocabulary) if pool.keyword_space else 0,
        "refresh_all_seconds": round(refresh_seconds, 2),
        "page_recommend_20": _ms(page_seconds),
        "ranking_read": _ms(read_seconds),
        "refit_refresh_reader": _ms(refit_seconds),
        "stored_pages_ndcg@10": round(statistics.fmean(q["ndcg@10"] for q in quality), 4),
        "stored_pages_precision@10": round(statistics.fmean(q["precision@10"] for q in quality), 4),
    }
