"""The embed job on SQLite and PostgreSQL: incremental, resumable, never recomputing."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from paperwire.catalog.store import Catalog
from paperwire.demo import load_demo
from paperwire.search.embed_job import count_pending, embed_pending
from paperwire.search.embedder import MiniLmEmbedder
from paperwire.search.vector_store import Vectors, load_vectors, max_stored_seq
from paperwire.search.vector_store import vectors_changed_since as changed_since

DEMO_PAPERS = 268


class CountingEmbedder:
    """The real model, remembering vectors across tests (so the demo corpus is embedded once
    per module) and counting what each test asked for."""

    def __init__(self, model: MiniLmEmbedder, cache: dict[str, Vectors]) -> None:
        self.model, self.cache = model, cache
        self.dimensions, self.model_id = model.dimensions, model.model_id
        self.asked: Counter[str] = Counter()
        self.fail_after_calls: int | None = None

    def embed(self, texts: Sequence[str]) -> Vectors:
        if self.fail_after_calls is not None:
            if self.fail_after_calls == 0:
                raise KeyboardInterrupt("simulated kill")
            self.fail_after_calls -= 1
        self.asked.update(texts)
        missing = [text for text in dict.fromkeys(texts) if text not in self.cache]
        for text, vector in zip(missing, self.model.embed(missing), strict=True):
            self.cache[text] = vector
        return np.array([self.cache[text] for text in texts], dtype=np.float32).reshape(
            len(texts), self.dimensions
        )


@pytest.fixture(scope="module")
def model() -> MiniLmEmbedder:
    # 64 tokens keep the suite fast; the job does not depend on the truncation length.
    return MiniLmEmbedder(max_tokens=64)


@pytest.fixture(scope="module")
def cache() -> dict[str, Vectors]:
    return {}


@pytest.fixture
def embedder(model: MiniLmEmbedder, cache: dict[str, Vectors]) -> CountingEmbedder:
    return CountingEmbedder(model, cache)


@pytest.fixture
def demo(catalog: Catalog) -> Catalog:
    load_demo(catalog)
    return catalog


def _rewrite(catalog: Catalog, paper_id: str, **changes: object) -> None:
    paper = catalog.get(paper_id)
    assert paper is not None
    catalog.restore([dataclasses.replace(paper, **changes)])  # type: ignore[arg-type]


def test_embeds_everything_once_then_nothing(demo: Catalog, embedder: CountingEmbedder) -> None:
    assert count_pending(demo) == DEMO_PAPERS
    progress: list[int] = []
    report = embed_pending(demo, embedder, batch_size=50, on_progress=progress.append)
    assert (report.checked, report.embedded, report.refreshed) == (DEMO_PAPERS, DEMO_PAPERS, 0)
    assert sum(progress) == DEMO_PAPERS and report.batches == len(progress) == 6
    ids, vectors = load_vectors(demo.engine)
    assert len(ids) == DEMO_PAPERS and vectors.shape == (DEMO_PAPERS, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=2e-3)  # float16
    assert count_pending(demo) == 0
    again = embed_pending(demo, embedder)
    assert (again.checked, again.embedded) == (0, 0)


def test_only_changed_text_is_re_embedded(demo: Catalog, embedder: CountingEmbedder) -> None:
    embed_pending(demo, embedder)
    first, second = [paper.id for paper in demo.list_papers(limit=2)]
    watermark = max_stored_seq(demo.engine)
    _rewrite(demo, first, abstract="We segment organs in CT scans with a new network.")
    _rewrite(demo, second, extras={"upvotes": 99})  # a change that keeps the text
    assert count_pending(demo) == 2
    embedder.asked.clear()
    report = embed_pending(demo, embedder)
    assert (report.checked, report.embedded, report.refreshed) == (2, 1, 1)
    assert sum(embedder.asked.values()) == 1
    assert count_pending(demo) == 0
    # Indexes following stored_seq see the new vector only, not the refreshed one.
    assert [batch.ids for batch in changed_since(demo.engine, watermark)] == [[first]]
    ids, vectors = load_vectors(demo.engine, [first, "no-such-paper"])
    assert ids == [first] and vectors.shape == (1, 384)


def test_a_killed_run_resumes_without_recomputing(
    demo: Catalog, embedder: CountingEmbedder
) -> None:
    partial = embed_pending(demo, embedder, batch_size=40, limit=100)
    assert partial.embedded == 100
    embedder.fail_after_calls = 2  # the third batch dies mid-way, before its commit
    with pytest.raises(KeyboardInterrupt):
        embed_pending(demo, embedder, batch_size=40)
    embedder.fail_after_calls = None
    assert count_pending(demo) == DEMO_PAPERS - 180
    rest = embed_pending(demo, embedder, batch_size=40)
    assert rest.embedded == DEMO_PAPERS - 180
    assert sum(embedder.asked.values()) == DEMO_PAPERS  # every paper embedded exactly once
    assert max(embedder.asked.values()) == 1


def test_another_model_makes_everything_pending(demo: Catalog, embedder: CountingEmbedder) -> None:
    embed_pending(demo, embedder, limit=10)
    embedder.model_id = "another-model"
    assert count_pending(demo, embedder.model_id) == DEMO_PAPERS
    assert embed_pending(demo, embedder, limit=5).embedded == 5
