"""recommend/keywords.py: hashed tf-idf sketches, and the engine ranking by them from SQLite."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import numpy as np
import sqlalchemy as sa

from paperwire.catalog.schema import papers
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.recommend import keywords, signals
from paperwire.recommend.engine import Recommender
from paperwire.recommend.keywords import KeywordSpace, paper_terms, terms
from paperwire.recommend.readers import Reader
from tests.recommend.corpus import store_vectors, unit
from tests.support.community import add_paper

# Twelve made-up fields, each with its own vocabulary; a paper uses five of its field's words.
FIELDS = [[f"field{f}term{t}" for t in range(10)] for f in range(12)]
FILLER = [
    "we",
    "study",
    "the",
    "problem",
    "and",
    "report",
    "experiments",
    "on",
    "several",
    "benchmarks",
]


def abstract(field: int, rng: np.random.Generator) -> str:
    words = list(rng.choice(FIELDS[field], 5, replace=False)) + FILLER
    rng.shuffle(words)
    return " ".join(str(word) for word in words)


def field_corpus(per_field: int = 6) -> tuple[list[list[str]], list[int]]:
    rng = np.random.default_rng(3)
    documents, labels = [], []
    for field in range(len(FIELDS)):
        for _ in range(per_field):
            documents.append(terms(abstract(field, rng)))
            labels.append(field)
    return documents, labels


def test_papers_sharing_rare_terms_are_closer_than_unrelated_ones() -> None:
    documents, labels = field_corpus()
    space = KeywordSpace.fit(documents, dimensions=24, min_df=2)
    features = space.project(documents)
    assert features.shape == (len(documents), 24)
    assert np.allclose(np.linalg.norm(features, axis=1), 1.0, atol=1e-5)
    cosines = features @ features.T
    same = np.equal.outer(labels, labels) & ~np.eye(len(labels), dtype=bool)
    different = ~np.equal.outer(labels, labels)
    # Five of ten field words in common on average vs none: far apart on average, and each
    # paper's nearest neighbour is in its own field.
    assert cosines[same].mean() > 0.5
    assert abs(cosines[different].mean()) < 0.1
    np.fill_diagonal(cosines, -np.inf)
    nearest = cosines.argmax(axis=1)
    assert all(labels[n] == labels[i] for i, n in enumerate(nearest))


def test_the_svd_finds_what_a_dense_svd_finds() -> None:
    documents, _ = field_corpus()
    space = KeywordSpace.fit(documents, dimensions=8, min_df=2)
    sparse = space.tfidf(documents)
    dense = np.zeros((sparse.rows, sparse.columns), np.float32)
    for row in range(sparse.rows):
        span = slice(sparse.indptr[row], sparse.indptr[row + 1])
        dense[row, sparse.indices[span]] = sparse.values[span]
    probe = np.random.default_rng(2).standard_normal((sparse.columns, 3)).astype(np.float32)
    assert np.allclose(sparse.dot(probe), dense @ probe, atol=1e-5)
    assert np.allclose(sparse.transpose().dot(dense[:, :2]), dense.T @ dense[:, :2], atol=1e-5)
    singular = np.linalg.svd(dense, compute_uv=False)[:8]
    found = np.linalg.norm(dense @ space.components.T, axis=0)
    assert np.allclose(found, singular, rtol=0.02)
    assert np.allclose(space.components @ space.components.T, np.eye(8), atol=1e-4)


def test_words_every_paper_uses_and_words_no_pool_paper_has_are_dropped() -> None:
    documents, _ = field_corpus()
    space = KeywordSpace.fit(documents, min_df=2)
    assert "benchmarks" not in space.vocabulary  # in every document: over max_df
    assert "study" not in space.vocabulary and "the" not in space.vocabulary  # stop words
    assert "field3term4" in space.vocabulary
    # A rated paper only in unknown words projects to zero: it says nothing about the pool.
    (row,) = space.project([terms("quasicrystal spintronics benchmarks")])
    assert not row.any()
    rare = [documents[0]] + [["other"]] * 30
    assert KeywordSpace.fit(rare, min_df=2).vocabulary == {}
    assert KeywordSpace.fit([]).project([documents[0]]).shape == (1, 0)


def test_two_word_phrases_count_and_weigh_more_when_rarer() -> None:
    found = terms("Graph neural networks for graph coloring")
    assert "graph neural" in found and "neural networks" in found and "for" not in found
    documents = [["alpha", "beta"]] * 3 + [["alpha", "gamma"]] * 17 + [["delta"]] * 180
    space = KeywordSpace.fit(documents, min_df=2)
    idf = dict(zip(space.vocabulary, space.idf.tolist(), strict=True))
    assert idf["beta"] > idf["alpha"] > 0


def test_markup_and_accents_are_not_words() -> None:
    text = (
        "<p>Superconductivity in <b>twisted</b> bilayer graphene &amp; "
        r"$\mathcal{O}(n^{2})$ r\'esum\'e of Schrödinger \emph{café} results</p>"
        "<script>alert('x')</script>"
    )
    found = set(terms(text))
    assert {"superconductivity", "twisted", "bilayer", "graphene", "schrodinger", "cafe"} <= found
    assert not found & {"mathcal", "emph", "amp", "p", "b", "script"}
    assert "twisted bilayer" in found


def test_a_huge_abstract_costs_no_more_than_its_first_part() -> None:
    huge = "graphene " * 2_000_000 + "ribosome"  # 18 MB of one word, then another
    started = time.perf_counter()
    found = paper_terms("A title", huge)
    assert time.perf_counter() - started < 2.0
    assert "ribosome" not in found  # beyond MAX_CHARS: not read
    assert len(found) <= keywords.MAX_CHARS
    documents = [found, ["title", "graphene"], ["other"], ["title", "other"]]
    space = KeywordSpace.fit(documents, min_df=1, max_df=1.0)
    (row,) = space.project([found])
    assert np.isclose(np.linalg.norm(row), 1.0)


def test_the_space_is_the_same_in_every_process() -> None:
    """Vocabulary order and the SVD's random start are fixed: another process (another
    PYTHONHASHSEED, so another set iteration order) fits the same features."""
    documents, _ = field_corpus()
    here = KeywordSpace.fit(documents, dimensions=16, min_df=2).project(documents[:5])
    script = (
        "import json\n"
        "from paperwire.recommend.keywords import KeywordSpace\n"
        "from tests.recommend.test_keywords import field_corpus\n"
        "documents, _ = field_corpus()\n"
        "space = KeywordSpace.fit(documents, dimensions=16, min_df=2)\n"
        "print(json.dumps(space.project(documents[:5]).tolist()))\n"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        output = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
        ).stdout
        assert np.allclose(np.array(json.loads(output), np.float32), here, atol=1e-5)


def test_the_engine_ranks_by_shared_keywords_when_embeddings_say_nothing(
    sqlite_catalog: Catalog, clock: FakeClock
) -> None:
    """Vectors are noise here (one random direction each), so only the abstracts' words
    can tell the fields apart; the liked papers are old, outside the pool, so their text
    is read from the catalog and projected into the pool's keyword space."""
    catalog, today = sqlite_catalog, clock.now().date()
    rng = np.random.default_rng(8)
    field_of: dict[str, int] = {}
    for number in range(144):  # 12 per field: field words reach the pool's min_df
        paper_id = f"2604.{number + 1:05d}"
        add_paper(catalog, paper_id, listed_on=today - dt.timedelta(days=number % 9))
        field_of[paper_id] = number % 12
    liked = [f"2511.{n + 1:05d}" for n in range(5)]
    for paper_id in liked:
        add_paper(catalog, paper_id, listed_on=today - dt.timedelta(days=90))
        field_of[paper_id] = 4
    with catalog.engine.begin() as connection:
        for paper_id, field in field_of.items():
            connection.execute(
                sa.update(papers)
                .where(papers.c.id == paper_id)
                .values(abstract=abstract(field, rng))
            )
    store_vectors(catalog, {i: unit(rng.standard_normal(384)) for i in field_of})
    reader = Reader("subscriber", 9)
    for paper_id in liked:
        signals.record(catalog.engine, clock, reader, paper_id, "for_you", 1)
    page = Recommender(catalog).recommend(reader, limit=6)
    assert page.basis == "personal"
    top = [item.paper.id for item in page.items]
    assert len(top) == 6
    assert [field_of[paper_id] for paper_id in top] == [4] * 6
