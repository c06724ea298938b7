"""Importing precomputed vectors (.npz, .npy + ids, .parquet) on SQLite and PostgreSQL:
checked before anything is written, keyed by arXiv id, idempotent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from paperwire.catalog.store import Catalog
from paperwire.ingest.files import ingest_paths
from paperwire.search.embed_job import count_pending
from paperwire.search.embedder import DIMENSIONS, MiniLmEmbedder
from paperwire.search.vector_store import Vectors, load_vectors, max_stored_seq
from paperwire.search.vectors_import import VectorImportError, import_vectors

MODEL = MiniLmEmbedder.model_id
SNAPSHOT_PAPERS = 200


@pytest.fixture
def arxiv(catalog: Catalog, fixtures: Path) -> Catalog:
    """200 real arXiv papers, 0704.0001 to 0704.0200."""
    ingest_paths(catalog, [fixtures / "arxiv-metadata-snapshot-sample.jsonl"])
    return catalog


def unit_vectors(count: int, dimensions: int = DIMENSIONS, seed: int = 7) -> Vectors:
    matrix = np.random.default_rng(seed).normal(size=(count, dimensions)).astype(np.float32)
    return np.asarray(matrix / np.linalg.norm(matrix, axis=1, keepdims=True), dtype=np.float32)


def arxiv_ids(count: int) -> list[str]:
    return [f"0704.{number:04d}" for number in range(1, count + 1)]


def save_npz(path: Path, ids: list[str], vectors: Vectors, model: str | None = MODEL) -> Path:
    if model is None:
        np.savez(path, ids=np.array(ids, dtype=str), vectors=vectors)
    else:
        np.savez(path, ids=np.array(ids, dtype=str), vectors=vectors, model=np.array(model))
    return path


def test_npz_import_is_keyed_by_arxiv_id_and_idempotent(arxiv: Catalog, tmp_path: Path) -> None:
    ids = arxiv_ids(50)
    ids[0] = "arXiv:0704.0001v2"  # versions and prefixes name the same paper
    vectors = unit_vectors(50) * 3.0  # not unit length: stored normalised
    path = save_npz(tmp_path / "vectors.npz", ids, vectors)
    checked: list[int] = []
    report = import_vectors(
        arxiv, path, model_id=MODEL, dimensions=DIMENSIONS, on_checked=checked.append
    )
    assert (report.rows, report.imported, report.unchanged, report.unknown) == (50, 50, 0, 0)
    assert sum(checked) == 50
    stored_ids, stored = load_vectors(arxiv.engine)
    assert stored_ids == arxiv_ids(50)
    np.testing.assert_allclose(stored, vectors / 3.0, atol=2e-3)  # float16 on disk
    # The embed job counts them as done: only the other 150 papers are pending.
    assert count_pending(arxiv, MODEL) == SNAPSHOT_PAPERS - 50

    watermark = max_stored_seq(arxiv.engine)
    again = import_vectors(arxiv, path, model_id=MODEL, dimensions=DIMENSIONS)
    assert (again.imported, again.unchanged) == (0, 50)
    assert max_stored_seq(arxiv.engine) == watermark  # indexes see nothing new


def test_parquet_import_reports_unknown_ids(arxiv: Catalog, tmp_path: Path) -> None:
    ids = [*arxiv_ids(30), "2501.99999", "not-an-id"]
    vectors = unit_vectors(len(ids))
    table = pa.table(
        {"arxiv_id": ids, "vector": pa.array(list(vectors), type=pa.list_(pa.float32()))}
    ).replace_schema_metadata({"model": "sentence-transformers/all-MiniLM-L6-v2"})
    path = tmp_path / "vectors.parquet"
    pq.write_table(table, path, row_group_size=10)
    report = import_vectors(arxiv, path, model_id=MODEL, dimensions=DIMENSIONS)
    assert (report.imported, report.unknown) == (30, 2)
    assert report.unknown_ids == ["2501.99999", "not-an-id"]
    assert len(load_vectors(arxiv.engine)[0]) == 30


def test_fixed_size_parquet_and_npy_with_ids_need_the_model_named(
    arxiv: Catalog, tmp_path: Path
) -> None:
    vectors = unit_vectors(20)
    fixed = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), DIMENSIONS)
    parquet = tmp_path / "fixed.parquet"
    pq.write_table(pa.table({"arxiv_id": arxiv_ids(20), "vector": fixed}), parquet)
    with pytest.raises(VectorImportError, match="--model"):
        import_vectors(arxiv, parquet, model_id=MODEL, dimensions=DIMENSIONS)
    report = import_vectors(arxiv, parquet, model_id=MODEL, dimensions=DIMENSIONS, model=MODEL)
    assert report.imported == 20

    npy = tmp_path / "more.npy"
    np.save(npy, unit_vectors(10, seed=3))
    with pytest.raises(VectorImportError, match=r"more\.ids\.txt"):
        import_vectors(arxiv, npy, model_id=MODEL, dimensions=DIMENSIONS, model=MODEL)
    (tmp_path / "more.ids.txt").write_text("\n".join(arxiv_ids(11)) + "\n")
    with pytest.raises(VectorImportError, match="11 ids for 10 vectors"):
        import_vectors(arxiv, npy, model_id=MODEL, dimensions=DIMENSIONS, model=MODEL)
    (tmp_path / "more.ids.txt").write_text("\n".join(arxiv_ids(30)[20:]) + "\n")
    report = import_vectors(arxiv, npy, model_id=MODEL, dimensions=DIMENSIONS, model=MODEL)
    assert report.imported == 10 and len(load_vectors(arxiv.engine)[0]) == 30


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "intfloat/e5-small-v2"}, "cannot be used with the configured model"),
        ({"flag": "all-MiniLM-L12-v2"}, "--model says"),
        ({"dimensions": 768}, "768 dimensions"),
        ({"nan_at": 5600}, "not finite \\(first: row 5600"),
        ({"zero_at": 3}, "zero or not finite"),
    ],
)
def test_a_bad_file_writes_nothing(
    arxiv: Catalog, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    # 6,000 rows: the bad row may sit past the first 5,000-row batch.
    count = 6000
    ids = [*arxiv_ids(SNAPSHOT_PAPERS), *(f"0801.{n:05d}" for n in range(count - 200))]
    dimensions = int(change.get("dimensions", DIMENSIONS))  # type: ignore[call-overload]
    vectors = unit_vectors(count, dimensions)
    if "nan_at" in change:
        vectors[int(change["nan_at"])] = np.nan  # type: ignore[call-overload]
    if "zero_at" in change:
        vectors[int(change["zero_at"])] = 0.0  # type: ignore[call-overload]
    model = str(change.get("model", MODEL))
    path = save_npz(tmp_path / "bad.npz", ids, vectors, model)
    flag = change.get("flag")
    with pytest.raises(VectorImportError, match=message):
        import_vectors(
            arxiv,
            path,
            model_id=MODEL,
            dimensions=DIMENSIONS,
            model=str(flag) if flag else None,
        )
    assert load_vectors(arxiv.engine)[0] == [] and max_stored_seq(arxiv.engine) == 0


def test_unreadable_files_are_refused(arxiv: Catalog, tmp_path: Path) -> None:
    text = tmp_path / "vectors.csv"
    text.write_text("0704.0001,0.1\n")
    with pytest.raises(VectorImportError, match=r"not a \.parquet, \.npz or \.npy"):
        import_vectors(arxiv, text, model_id=MODEL, dimensions=DIMENSIONS)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(VectorImportError, match="not a Parquet file"):
        import_vectors(arxiv, broken, model_id=MODEL, dimensions=DIMENSIONS)
    columns = tmp_path / "columns.parquet"
    pq.write_table(pa.table({"id": ["0704.0001"], "embedding": [[0.5] * DIMENSIONS]}), columns)
    with pytest.raises(VectorImportError, match="arxiv_id and vector"):
        import_vectors(arxiv, columns, model_id=MODEL, dimensions=DIMENSIONS)
    objects = tmp_path / "objects.npz"
    np.savez(objects, ids=np.array(["0704.0001"], dtype=object), vectors=unit_vectors(1))
    with pytest.raises(VectorImportError, match="str array"):
        import_vectors(arxiv, objects, model_id=MODEL, dimensions=DIMENSIONS)
    assert load_vectors(arxiv.engine)[0] == []
