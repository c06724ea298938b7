"""The usearch vector index: real files in tmp dirs, recall against exact search, sync."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from paperwire.catalog.store import Catalog
from paperwire.demo import load_demo
from paperwire.search.embed_job import embed_pending
from paperwire.search.vector_store import Vectors
from paperwire.search.vectors import IndexLockedError, VectorIndex, exact_search, recall_at_k

DIM = 384


def clustered(count: int, clusters: int = 50, seed: int = 7) -> Vectors:
    """Unit vectors drawn around random centres: neighbours exist, so recall means something."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, DIM)).astype(np.float32)
    points = centres[rng.integers(0, clusters, count)] + 0.35 * rng.standard_normal(
        (count, DIM)
    ).astype(np.float32)
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


class HashEmbedder:
    """Deterministic vectors from a text hash: the index tests need stored vectors, not
    meaning, and the real model is exercised in test_embedder / test_embed_job."""

    dimensions, model_id = DIM, "hash-test"

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            row = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
            rows.append(row / np.linalg.norm(row))
        return np.array(rows, dtype=np.float32).reshape(len(texts), DIM)


@pytest.fixture
def index(tmp_path: Path) -> VectorIndex:
    return VectorIndex.open(tmp_path / "index", DIM)


def test_add_search_update_remove(index: VectorIndex) -> None:
    vectors = clustered(100)
    ids = [f"p{i}" for i in range(100)]
    index.add(ids, vectors)
    assert len(index) == 100
    top = index.search(vectors[3], 5)
    assert top[0][0] == "p3" and top[0][1] == pytest.approx(1.0, abs=1e-3)
    assert [score for _, score in top] == sorted((score for _, score in top), reverse=True)
    index.add(["p3"], vectors[[50]])  # update = replace
    assert len(index) == 100 and index.search(vectors[50], 2)[1][0] in {"p3", "p50"}
    assert index.remove(["p3", "p50", "absent"]) == 2
    assert {paper_id for paper_id, _ in index.search(vectors[50], 10)}.isdisjoint({"p3", "p50"})
    assert "p3" not in index and len(index) == 98
    assert index.search(vectors[0], 3, exclude={"p0"})[0][0] != "p0"


def test_similar_excludes_the_paper_itself(index: VectorIndex) -> None:
    vectors = clustered(200)
    ids = [f"p{i}" for i in range(200)]
    index.add(ids, vectors)
    similar = index.similar("p7", 10)
    assert len(similar) == 10 and "p7" not in {paper_id for paper_id, _ in similar}
    exact = exact_search(ids, vectors, vectors[7], 10, exclude={"p7"})
    assert len({i for i, _ in similar} & {i for i, _ in exact}) >= 9
    assert index.similar("unknown", 10) == []


def test_persist_reopen_and_reader_reload(tmp_path: Path) -> None:
    directory = tmp_path / "index"
    vectors = clustered(50)
    ids = [f"p{i}" for i in range(50)]
    writer = VectorIndex.open(directory, DIM)
    reader = VectorIndex.open_readonly(directory, DIM)
    assert len(reader) == 0 and reader.search(vectors[0], 5) == []
    with pytest.raises(IndexLockedError):
        VectorIndex.open(directory, DIM)  # one writer at a time
    writer.add(ids[:30], vectors[:30])
    writer.applied_seq = 12
    writer.save()
    assert reader.reload() and len(reader) == 30 and reader.applied_seq == 12
    assert reader.search(vectors[4], 1)[0][0] == "p4"
    assert not reader.reload()  # nothing new
    with pytest.raises(PermissionError):
        reader.add(["x"], vectors[:1])
    writer.add(ids[30:], vectors[30:])
    writer.remove(["p0"])
    writer.save()
    writer.save()
    assert reader.reload() and len(reader) == 49 and reader.similar("p40", 3)
    writer.close()
    reopened = VectorIndex.open(directory, DIM)
    assert len(reopened) == 49 and reopened.applied_seq == 12 and "p0" not in reopened
    assert reopened.search(vectors[45], 1)[0][0] == "p45"
    # Only the current generation and the one before it stay on disk.
    assert len(list(directory.glob("gen-*/vectors.usearch"))) == 2


def test_recall_at_10_against_exact_search(index: VectorIndex) -> None:
    drawn = clustered(5200, clusters=100)
    vectors, queries = drawn[:5000], drawn[5000:]  # queries from the same clusters
    ids = [f"p{i}" for i in range(5000)]
    index.add(ids, vectors)
    assert recall_at_k(index, ids, vectors, queries, k=10) >= 0.95


def test_sync_applies_only_changes_and_equals_rebuild(
    sqlite_catalog: Catalog, tmp_path: Path
) -> None:
    load_demo(sqlite_catalog)
    embedder = HashEmbedder()
    embed_pending(sqlite_catalog, embedder)
    index = VectorIndex.open(tmp_path / "index", DIM)
    assert index.sync(sqlite_catalog) == 268 and len(index) == 268
    assert index.sync(sqlite_catalog) == 0
    paper = sqlite_catalog.list_papers(limit=1)[0]
    sqlite_catalog.restore([dataclasses.replace(paper, abstract="Completely new text.")])
    embed_pending(sqlite_catalog, embedder)
    assert index.sync(sqlite_catalog) == 1
    new_vector = embedder.embed([f"{paper.title}. Completely new text."])[0]
    assert index.search(new_vector, 1)[0][0] == paper.id
    rebuilt = VectorIndex.open(tmp_path / "rebuilt", DIM)
    assert rebuilt.rebuild(sqlite_catalog) == 268
    assert rebuilt.applied_seq == index.applied_seq
    assert rebuilt.similar(paper.id, 5) == index.similar(paper.id, 5)
