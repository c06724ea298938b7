"""Recommendation refresh at scale: N readers x M new papers, `Recommender.refresh_all` timed.

Builds a SQLite catalog in a temporary directory: M papers listed over the last days and
an older catalog the readers' signals point at (vectors are random points around a few
dozen topic centres, stored as the embed job stores them), N readers with S signals each
(4 in 5 positive; 1 in 10 readers cold start with followed categories), then times one
refresh_all and one refresh_reader. Prints the figures as JSON and writes
bench/results/recommend_scale.json.

    OPENBLAS_NUM_THREADS=2 .venv/bin/python bench/recommend_scale.py [--readers 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from paperwire.catalog.schema import counters, papers
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.recommend.engine import Recommender
from paperwire.recommend.readers import Reader
from paperwire.recommend.schema import reader_interests, reader_signals
from paperwire.search.vector_store import encode, paper_vectors

TOPICS = 40
CATEGORIES = [f"cs.T{n}" for n in range(TOPICS)]
# Abstracts of ~120 words, half from the paper's topic's own 60 words (the keyword
# features have real text to tokenise, weigh and project), half from a shared 2,000.
VOCABULARY = [f"topic{t}term{n}" for t in range(TOPICS) for n in range(60)]
COMMON = [f"common{n}" for n in range(2000)]


def _abstract(rng: np.random.Generator, topic: int) -> str:
    own = rng.choice(VOCABULARY[topic * 60 : (topic + 1) * 60], 60)
    return " ".join([*own, *rng.choice(COMMON, 60)])


def _papers(
    catalog: Catalog, count: int, first: int, today: dt.date, days: int, centres: np.ndarray
) -> list[str]:
    rng = np.random.default_rng(first)
    now = catalog.clock.now()
    ids = [
        f"{2600 + (first + n) // 90000:04d}.{(first + n) % 90000 + 10000:05d}" for n in range(count)
    ]
    topics = rng.integers(0, TOPICS, count)
    vectors = centres[topics] + 0.6 * rng.standard_normal((count, centres.shape[1]))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = [
        {
            "id": paper_id,
            "title": f"Paper {paper_id}",
            "abstract": _abstract(rng, int(topic)),
            "authors": [f"Author {int(topic)}-{n % 7}"],
            "categories": [CATEGORIES[int(topic)]],
            "primary_category": CATEGORIES[int(topic)],
            "links": [],
            "listed_on": today - dt.timedelta(days=int(n % days)),
            "listed_from_feed": False,
            "extras": {},
            "authority": 1,
            "withdrawn": False,
            "change_seq": first + n,
            "created_at": now,
            "modified_at": now,
        }
        for n, (paper_id, topic) in enumerate(zip(ids, topics, strict=True))
    ]
    vector_rows = [
        {
            "paper_id": paper_id,
            "model_id": "bench",
            "text_hash": "0" * 64,
            "seq": first + n,
            "stored_seq": 1,
            "vector": encode(vector),
            "embedded_at": now,
        }
        for n, (paper_id, vector) in enumerate(zip(ids, vectors, strict=True))
    ]
    with catalog.engine.begin() as connection:
        connection.execute(papers.insert(), rows)
        connection.execute(paper_vectors.insert(), vector_rows)
        connection.execute(
            counters.update().where(counters.c.name == "change_seq").values(value=first + count)
        )
    return ids


def build(catalog: Catalog, readers: int, new: int, old: int, per_reader: int) -> None:
    rng = np.random.default_rng(7)
    today = catalog.clock.now().date()
    centres = rng.standard_normal((TOPICS, 384))
    _papers(catalog, new, 0, today, 7, centres)
    history = _papers(catalog, old, new, today - dt.timedelta(days=60), 300, centres)
    now = catalog.clock.now()
    signal_rows: list[dict[str, Any]] = []
    interest_rows: list[dict[str, Any]] = []
    for number in range(readers):
        key = Reader("user" if number % 2 else "subscriber", number).key
        if number % 10 == 0:  # cold start: a few follows, one liked paper
            for category in rng.choice(CATEGORIES, 2, replace=False):
                interest_rows.append({"reader": key, "kind": "category", "value": str(category)})
            chosen = rng.choice(len(history), 1)
        else:
            chosen = rng.choice(len(history), per_reader, replace=False)
        for pick in chosen:
            value = 1 if rng.random() < 0.8 else -1
            signal_rows.append(
                {
                    "reader": key,
                    "paper_id": history[int(pick)],
                    "source": "digest",
                    "value": value,
                    "created_at": now,
                }
            )
    with catalog.engine.begin() as connection:
        connection.execute(reader_signals.insert(), signal_rows)
        connection.execute(reader_interests.insert(), interest_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=2_000, help="new papers (the candidates)")
    parser.add_argument("--history", type=int, default=20_000, help="older papers rated")
    parser.add_argument("--signals", type=int, default=20, help="signals per reader")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        clock = FakeClock(dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.UTC))
        catalog = Catalog.open(f"sqlite:///{Path(folder) / 'bench.db'}", clock)
        started = time.perf_counter()
        build(catalog, args.readers, args.papers, args.history, args.signals)
        built = time.perf_counter() - started
        recommender = Recommender(catalog, candidate_days=7)
        marks: list[tuple[float, int]] = []
        report = recommender.refresh_all(
            lambda done, total: marks.append((time.perf_counter(), done))
        )
        one = Reader("user", 1)
        recommender.refresh_reader(one)  # the pool is cached now, as in a web process
        timings = []
        for _ in range(10):
            tick = time.perf_counter()
            recommender.refresh_reader(one)
            timings.append(time.perf_counter() - tick)
        tick = time.perf_counter()
        page = recommender.recommend(one, limit=20)
        served = time.perf_counter() - tick
        catalog.close()
    result = {
        "readers": args.readers,
        "candidates": report.candidates,
        "signals_per_reader": args.signals,
        "build_seconds": round(built, 1),
        "refresh_all_seconds": round(report.seconds, 2),
        "personal": report.personal,
        "cold_start": report.cold_start,
        "refresh_reader_ms_median": round(1000 * float(np.median(timings)), 1),
        "recommend_page_ms": round(1000 * served, 1),
        "page_items": len(page.items),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
    }
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "recommend_scale.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
