"""Papers in three topics (each a direction in embedding space) listed over the last days,
with their vectors stored the way the embed job stores them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from paperwire.catalog.store import Catalog, next_counter
from paperwire.clock import FakeClock
from paperwire.db.engine import write_connection
from paperwire.search.vector_store import encode, upsert_statement
from tests.support.community import add_paper

TOPICS = ("cs.CL", "cs.CV", "q-bio.NC")
PER_TOPIC = 12


@dataclass
class Corpus:
    catalog: Catalog
    clock: FakeClock
    by_topic: dict[str, list[str]]
    vectors: dict[str, npt.NDArray[np.float32]]

    @property
    def today(self) -> dt.date:
        return self.clock.now().date()


def unit(vector: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def store_vectors(catalog: Catalog, vectors: dict[str, npt.NDArray[np.float32]]) -> None:
    now = catalog.clock.now()
    with write_connection(catalog.engine) as connection, connection.begin():
        seq = next_counter(connection, "vector_seq")
        rows = [
            {
                "paper_id": paper_id,
                "model_id": "test",
                "text_hash": "0" * 64,
                "seq": 10**9,
                "stored_seq": seq,
                "vector": encode(vector),
                "embedded_at": now,
            }
            for paper_id, vector in vectors.items()
        ]
        connection.execute(upsert_statement(connection), rows)


def build_corpus(catalog: Catalog, clock: FakeClock, per_topic: int = PER_TOPIC) -> Corpus:
    rng = np.random.default_rng(11)
    today = clock.now().date()
    by_topic: dict[str, list[str]] = {}
    vectors: dict[str, npt.NDArray[np.float32]] = {}
    for t, topic in enumerate(TOPICS):
        centre = rng.standard_normal(384)
        for n in range(per_topic):
            paper_id = f"2603.{t * 100 + n + 1:05d}"
            add_paper(
                catalog,
                paper_id,
                title=f"{topic} paper {n}",
                listed_on=today - dt.timedelta(days=n % 5),
                categories=[topic],
                authors=[f"Author {topic} {n % 3}", "Common Person"],
            )
            by_topic.setdefault(topic, []).append(paper_id)
            vectors[paper_id] = unit(centre + 0.5 * rng.standard_normal(384))
    store_vectors(catalog, vectors)
    return Corpus(catalog, clock, by_topic, vectors)
