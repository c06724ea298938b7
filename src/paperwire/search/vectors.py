"""The vector index: usearch HNSW (cosine, f16) over paper vectors, in files beside the catalog.

Derived data: `rebuild(catalog)` recreates it from the stored vectors, `sync(catalog)` applies
only vectors stored after its `applied_seq` watermark.

Files live in an IndexDirectory (index_dir.py: writer lock, generations, atomic CURRENT);
each generation holds `vectors.usearch` (graph and f16 vectors), `ids.json` (the paper id of
every uint64 key: key = position, "" = removed) and `paperwire.json` (applied_seq).

One writer: `VectorIndex.open()` takes the directory's writer lock (a second writer gets
IndexLockedError at once). Web processes use `open_readonly()`, which memory-maps the live
generation (shared by all processes through the page cache), and call `reload()` (one small
file read) to pick up a newer generation after the writer saves.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from usearch.index import Index

from paperwire.catalog.store import Catalog
from paperwire.search.index_dir import IndexDirectory, IndexLockedError
from paperwire.search.vector_store import Vectors, vectors_changed_since

# Measured at 1M clustered 384-d vectors (docs/search.md): usearch's default search
# expansion of 64 gave recall@10 0.91-0.94; 128 gives 0.994 for 0.3 ms more at p95.
_CONNECTIVITY = 16
_EXPANSION_ADD = 128
_EXPANSION_SEARCH = 128
# Bumped when the files' layout changes; an index of another version must be rebuilt.
SCHEMA_VERSION = 1

__all__ = ["IndexLockedError", "VectorIndex", "exact_search", "recall_at_k"]


class VectorIndex:
    def __init__(self, directory: Path, dimensions: int, *, writable: bool) -> None:
        self.directory = directory
        self.dimensions = dimensions
        self.writable = writable
        self.generation: str | None = None
        self._files = IndexDirectory(directory)
        self.applied_seq = 0
        self._index = _new_index(dimensions)
        self._ids: list[str] = []  # key -> paper id ("" once removed)
        self._keys: dict[str, int] = {}
        self._lock = threading.Lock()

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path, dimensions: int = 384) -> VectorIndex:
        """Open for writing (the one writer), creating an empty index when there is none."""
        index = cls(directory, dimensions, writable=True)
        index._files.lock()
        try:
            index._load_current()
        except BaseException:
            index.close()
            raise
        return index

    @classmethod
    def open_readonly(cls, directory: Path, dimensions: int = 384) -> VectorIndex:
        """Open for searching only; empty until a writer has saved a generation."""
        index = cls(directory, dimensions, writable=False)
        index._load_current()
        return index

    def reload(self) -> bool:
        """Switch to the newest saved generation if it changed; True when it did."""
        if self._files.current() == self.generation:
            return False
        self._load_current()
        return True

    def close(self) -> None:
        if self.writable:
            self._files.unlock()

    def __enter__(self) -> VectorIndex:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._keys

    # -- writing -----------------------------------------------------------------------

    def add(self, ids: Sequence[str], vectors: Vectors) -> None:
        """Add vectors; a paper already present has its vector replaced."""
        self._check_writable()
        matrix = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimensions)
        if len(ids) != len(matrix):
            raise ValueError(f"{len(ids)} ids for {len(matrix)} vectors")
        # The last copy of a repeated id wins, as in any upsert.
        last = {paper_id: row for row, paper_id in enumerate(ids)}
        with self._lock:
            replaced = [self._keys[i] for i in last if i in self._keys]
            if replaced:
                self._index.remove(np.array(replaced, dtype=np.uint64))
            keys = np.array([self._key_for(paper_id) for paper_id in last], dtype=np.uint64)
            rows = matrix[list(last.values())]
            if len(keys):
                self._index.add(keys, rows, threads=0)

    def remove(self, ids: Sequence[str]) -> int:
        """Remove papers (absent ids are ignored); returns how many were present."""
        self._check_writable()
        with self._lock:
            keys = [self._keys.pop(i) for i in dict.fromkeys(ids) if i in self._keys]
            for key in keys:
                self._ids[key] = ""
            if keys:
                self._index.remove(np.array(keys, dtype=np.uint64))
        return len(keys)

    def save(self) -> None:
        """Write a new generation and make it live (atomic for readers)."""
        self._check_writable()
        with self._lock:
            generation = self._files.new_generation()
            folder = self._files.path(generation)
            self._index.save(str(folder / "vectors.usearch"))
            sidecar = {"dimensions": self.dimensions, "ids": self._ids}
            (folder / "ids.json").write_bytes(orjson.dumps(sidecar))
            self._files.write_meta(generation, SCHEMA_VERSION, self.applied_seq)
            previous = self.generation
            self._files.swap_to(generation)
            self.generation = generation
        # The previous generation stays: a reader may be opening it right now.
        self._files.remove_generations({generation} | ({previous} if previous else set()))

    def sync(self, catalog: Catalog) -> int:
        """Apply vectors stored since `applied_seq`, then save; returns how many were applied."""
        applied = self._apply_stored(catalog)
        if applied:
            self.save()
        return applied

    def rebuild(self, catalog: Catalog) -> int:
        """Replace the whole index with the catalog's stored vectors; returns its size."""
        self._check_writable()
        with self._lock:
            self._index = _new_index(self.dimensions)
            self._ids, self._keys = [], {}
        self.applied_seq = 0
        self._apply_stored(catalog)
        self.save()  # also when the catalog has no vectors: readers see the empty index
        return len(self)

    def _apply_stored(self, catalog: Catalog) -> int:
        applied = 0
        for batch in vectors_changed_since(catalog.engine, self.applied_seq):
            self.add(batch.ids, batch.vectors)
            self.applied_seq = batch.stored_seq
            applied += len(batch.ids)
        return applied

    # -- reading -----------------------------------------------------------------------

    def search(
        self, vector: Vectors, k: int, exclude: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k nearest papers as (id, cosine similarity), most similar first."""
        exclude = exclude or set()
        index, ids = self._index, self._ids  # one consistent pair even if reload() swaps them
        count = min(k + len(exclude), len(index))
        if count <= 0 or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(self.dimensions)
        matches = index.search(query, count)
        results: list[tuple[str, float]] = []
        for key, distance in zip(matches.keys, matches.distances, strict=True):
            paper_id = ids[int(key)]
            if paper_id and paper_id not in exclude:
                results.append((paper_id, 1.0 - float(distance)))
                if len(results) == k:
                    break
        return results

    def vector(self, paper_id: str) -> Vectors | None:
        key = self._keys.get(paper_id)
        if key is None:
            return None
        found = self._index.get(key, dtype="f32")
        return None if found is None else np.asarray(found, dtype=np.float32)

    def similar(self, paper_id: str, k: int = 10) -> list[tuple[str, float]]:
        """Papers nearest to this paper's own vector, itself excluded; [] when not indexed."""
        vector = self.vector(paper_id)
        if vector is None:
            return []
        return self.search(vector, k, exclude={paper_id})

    # -- internals ---------------------------------------------------------------------

    def _check_writable(self) -> None:
        if not self.writable:
            raise PermissionError("this VectorIndex was opened read-only")

    def _key_for(self, paper_id: str) -> int:
        key = self._keys.get(paper_id)
        if key is None:
            key = len(self._ids)
            self._ids.append(paper_id)
            self._keys[paper_id] = key
        return key

    def _load_current(self) -> None:
        generation = self._files.current()
        if generation is None:
            return
        folder = self._files.path(generation)
        schema_version, applied_seq = self._files.read_meta(generation)
        sidecar: dict[str, Any] = orjson.loads((folder / "ids.json").read_bytes())
        if schema_version != SCHEMA_VERSION or int(sidecar["dimensions"]) != self.dimensions:
            raise ValueError(f"the vector index in {self.directory} is outdated: rebuild it")
        index = _new_index(self.dimensions)
        # Readers map the file (no copy, shared between processes); the writer loads it
        # into memory because it is about to change it.
        if self.writable:
            index.load(str(folder / "vectors.usearch"))
        else:
            index.view(str(folder / "vectors.usearch"))
        ids: list[str] = list(sidecar["ids"])
        with self._lock:
            self._index, self._ids = index, ids
            self._keys = {paper_id: key for key, paper_id in enumerate(ids) if paper_id}
            self.applied_seq = applied_seq
            self.generation = generation


def _new_index(dimensions: int) -> Index:
    return Index(
        ndim=dimensions,
        metric="cos",
        dtype="f16",
        connectivity=_CONNECTIVITY,
        expansion_add=_EXPANSION_ADD,
        expansion_search=_EXPANSION_SEARCH,
    )


def exact_search(
    ids: Sequence[str], vectors: Vectors, query: Vectors, k: int, exclude: set[str] | None = None
) -> list[tuple[str, float]]:
    """Brute-force cosine kNN (numpy): the reference that index recall is measured against."""
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.maximum(np.linalg.norm(matrix, axis=1), 1e-12)
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    scores = (matrix @ q) / (norms * max(float(np.linalg.norm(q)), 1e-12))
    exclude = exclude or set()
    take = min(len(ids), k + len(exclude))
    if take <= 0:
        return []
    top = np.argpartition(-scores, take - 1)[:take]
    top = top[np.argsort(-scores[top], kind="stable")]
    results = [(ids[i], float(scores[i])) for i in top if ids[i] not in exclude]
    return results[:k]


def recall_at_k(
    index: VectorIndex, ids: Sequence[str], vectors: Vectors, queries: Vectors, k: int = 10
) -> float:
    """Mean share of the exact top-k that the index returns (over the query rows)."""
    hits = 0
    for query in np.asarray(queries, dtype=np.float32):
        truth = {paper_id for paper_id, _ in exact_search(ids, vectors, query, k)}
        found = {paper_id for paper_id, _ in index.search(query, k)}
        hits += len(truth & found)
    return hits / (k * len(queries)) if len(queries) else 1.0
