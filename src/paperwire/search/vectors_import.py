"""Importing precomputed paper vectors (`paperwire vectors import FILE`), keyed by arXiv id.

Formats (docs/search.md, "Embedding backfill"):
- `.parquet`: columns `arxiv_id` (string) and `vector` (list or fixed-size list of floats);
  the model in the schema metadata key `model`. Read a row group at a time (pyarrow, the
  `parquet` extra), so a file of all arXiv never sits in memory whole.
- `.npz`: arrays `ids` (str) and `vectors` (n x d), optionally `model` (a 0-d str array).
- `.npy`: an n x d array (memory-mapped) with a sidecar of ids, one a line, in row order:
  `NAME.ids.txt` beside `NAME.npy` unless named.

The model must be the configured one (from the file, or `--model` where the file cannot say):
vectors of another model are meaningless next to ours. Every row is checked (dimensions,
finite and non-zero values) before anything is written, so a bad file writes nothing. Ids
not in the catalog are counted and listed, never dropped silently. A vector is taken to
reflect the paper's current title and abstract: it is stored with that text's hash, as the
embed job would store it, so the embed job does not redo the paper. Importing a file again
changes nothing (identical rows are skipped, and indexes see no new vectors).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.store import Catalog, next_counter
from paperwire.db.engine import write_connection
from paperwire.search.embed_job import text_hash
from paperwire.search.embedder import paper_text
from paperwire.search.vector_store import Vectors, encode, read_stored, upsert_statement

# The int8 model we ship is a quantisation of this one (cosine 0.9994 between them,
# docs/search.md): vectors made with sentence-transformers' original mix with ours.
SAME_MODEL_NAMES = ("sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2")
UNKNOWN_LISTED = 1000  # ids not in the catalog listed in the report (all are counted)
_BATCH = 5000


class VectorImportError(ValueError):
    """A file that cannot be imported as it is; the message says why. Nothing was written."""


@dataclass
class ImportReport:
    rows: int = 0  # rows in the file
    imported: int = 0  # vectors stored (new or changed)
    unchanged: int = 0  # already stored exactly so
    unknown: int = 0  # ids not in the catalog
    unknown_ids: list[str] = field(default_factory=list)  # the first UNKNOWN_LISTED of them

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "unknown": self.unknown,
            "unknown_ids": self.unknown_ids,
        }


@dataclass
class VectorFile:
    """An opened vector file: what it says of itself, and its rows a batch at a time."""

    path: Path
    model: str | None
    rows: int
    dimensions: int | None  # None: a parquet list column, known from its rows only
    _batches: Callable[[int], Iterator[tuple[list[str], Vectors]]]

    def batches(self, size: int = _BATCH) -> Iterator[tuple[list[str], Vectors]]:
        return self._batches(size)


def open_vector_file(path: Path, ids_path: Path | None = None) -> VectorFile:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise VectorImportError(f"{path}: no such file")
    if suffix == ".parquet":
        return _open_parquet(path)
    if suffix == ".npz":
        return _open_npz(path)
    if suffix == ".npy":
        return _open_npy(path, ids_path or path.with_suffix(".ids.txt"))
    raise VectorImportError(f"{path}: not a .parquet, .npz or .npy file")


def check_model(file_model: str | None, flag_model: str | None, model_id: str) -> None:
    if file_model and flag_model and file_model != flag_model:
        raise VectorImportError(
            f"the file says its vectors come from {file_model!r}, --model says {flag_model!r}"
        )
    named = flag_model or file_model
    if named is None:
        raise VectorImportError(
            f"the file does not say which model made its vectors: pass --model "
            f"(the configured model is {model_id!r})"
        )
    accepted = {model_id, *SAME_MODEL_NAMES} if model_id.startswith("all-MiniLM-L6") else {model_id}
    if named not in accepted:
        raise VectorImportError(
            f"vectors of {named!r} cannot be used with the configured model {model_id!r} "
            f"(accepted: {', '.join(sorted(accepted))})"
        )


def import_vectors(
    catalog: Catalog,
    path: Path,
    *,
    model_id: str,
    dimensions: int,
    model: str | None = None,
    ids_path: Path | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_checked: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check the whole file, then store its vectors under `model_id` (see the module doc).

    `on_checked(n)` / `on_progress(n)`: n more rows checked / stored or skipped.
    """
    source = open_vector_file(path, ids_path)
    check_model(source.model, model, model_id)
    if source.dimensions is not None and source.dimensions != dimensions:
        raise VectorImportError(_dimension_message(source.dimensions, model_id, dimensions))
    rows = 0
    for ids, vectors in source.batches():
        _check_batch(ids, vectors, rows, model_id, dimensions)
        rows += len(ids)
        if on_checked is not None:
            on_checked(len(ids))
    report = ImportReport(rows=rows)
    for ids, vectors in source.batches():
        _store_batch(catalog, ids, vectors, model_id, report)
        if on_progress is not None:
            on_progress(len(ids))
    return report


def _dimension_message(found: int, model_id: str, dimensions: int) -> str:
    return f"the file's vectors have {found} dimensions; {model_id!r} makes {dimensions}"


def _check_batch(
    ids: list[str], vectors: Vectors, first_row: int, model_id: str, dimensions: int
) -> None:
    if not ids:
        return
    if vectors.ndim != 2 or vectors.shape[1] != dimensions:
        found = vectors.shape[1] if vectors.ndim == 2 else vectors.ndim
        raise VectorImportError(_dimension_message(int(found), model_id, dimensions))
    finite = np.asarray(np.isfinite(vectors).all(axis=1), dtype=bool)
    norms = np.linalg.norm(np.where(finite[:, None], vectors, 0.0), axis=1)
    bad = np.flatnonzero(~finite | (norms < 1e-6))
    if len(bad):
        row = first_row + int(bad[0])
        raise VectorImportError(
            f"{len(bad)} vectors are zero or not finite (first: row {row}, id {ids[bad[0]]!r})"
        )
    blank = [index for index, paper_id in enumerate(ids) if not paper_id.strip()]
    if blank:
        raise VectorImportError(f"row {first_row + blank[0]} has no arXiv id")


def catalog_id(raw: str) -> str:
    """The catalog id for a file's key: an arXiv id without its version (or the key as is)."""
    parsed = parse_arxiv_id(raw.strip())
    return parsed[0] if parsed else raw.strip()


def _store_batch(
    catalog: Catalog, raw_ids: list[str], vectors: Vectors, model_id: str, report: ImportReport
) -> None:
    rows = {catalog_id(raw): row for row, raw in enumerate(raw_ids)}  # the last copy wins
    papers = {paper.id: paper for paper in catalog.get_many(list(rows), with_sources=False)}
    for paper_id in rows:
        if paper_id not in papers:
            report.unknown += 1
            if len(report.unknown_ids) < UNKNOWN_LISTED:
                report.unknown_ids.append(paper_id)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    with catalog.engine.connect() as connection:
        stored = read_stored(connection, list(papers))
    now = catalog.clock.now().astimezone(dt.UTC)
    changed: list[dict[str, Any]] = []
    for paper_id, paper in papers.items():
        blob = encode(unit[rows[paper_id]])
        digest = text_hash(paper_text(paper))
        old = stored.get(paper_id)
        if (
            old is not None
            and old.model_id == model_id
            and old.text_hash == digest
            and old.seq >= paper.change_seq
            and encode(old.vector) == blob
        ):
            report.unchanged += 1
            continue
        changed.append(
            {
                "paper_id": paper_id,
                "model_id": model_id,
                "text_hash": digest,
                "seq": paper.change_seq,
                "vector": blob,
                "embedded_at": now,
            }
        )
    if not changed:
        return
    with write_connection(catalog.engine) as connection, connection.begin():
        stored_seq = next_counter(connection, "vector_seq")
        for row in changed:
            row["stored_seq"] = stored_seq
        connection.execute(upsert_statement(connection), changed)
    report.imported += len(changed)


# -- readers ---------------------------------------------------------------------------


def _open_npy(path: Path, ids_path: Path) -> VectorFile:
    try:
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as error:
        raise VectorImportError(f"{path}: not a numeric .npy array ({error})") from None
    if matrix.ndim != 2:
        raise VectorImportError(f"{path}: an array of {matrix.ndim} dimensions, not rows")
    if not ids_path.is_file():
        raise VectorImportError(
            f"{path}: a .npy file needs its ids, one a line, in {ids_path} (or --ids FILE)"
        )
    ids = [line.strip() for line in ids_path.read_text(encoding="utf-8").splitlines()]
    while ids and not ids[-1]:
        ids.pop()
    if len(ids) != len(matrix):
        raise VectorImportError(f"{ids_path} has {len(ids)} ids for {len(matrix)} vectors")
    return VectorFile(path, None, len(ids), int(matrix.shape[1]), _array_batches(ids, matrix))


def _open_npz(path: Path) -> VectorFile:
    try:
        arrays = np.load(path, allow_pickle=False)
        names = set(arrays.files)
        if not {"ids", "vectors"} <= names:
            raise VectorImportError(f"{path}: needs arrays 'ids' and 'vectors' (has {names})")
        ids_array, matrix = arrays["ids"], arrays["vectors"]
        model = str(arrays["model"]) if "model" in names else None
    except ValueError as error:
        if isinstance(error, VectorImportError):
            raise
        raise VectorImportError(
            f"{path}: {error} (save ids as a str array: np.array(ids, dtype=str))"
        ) from None
    if ids_array.dtype.kind not in "US" or ids_array.ndim != 1:
        raise VectorImportError(f"{path}: 'ids' must be a 1-d str array")
    if matrix.ndim != 2 or len(matrix) != len(ids_array):
        raise VectorImportError(
            f"{path}: 'vectors' must be {len(ids_array)} rows, one per id (is {matrix.shape})"
        )
    ids = [str(value) for value in ids_array.tolist()]
    return VectorFile(path, model, len(ids), int(matrix.shape[1]), _array_batches(ids, matrix))


def _array_batches(
    ids: list[str], matrix: np.ndarray[Any, Any]
) -> Callable[[int], Iterator[tuple[list[str], Vectors]]]:
    def batches(size: int) -> Iterator[tuple[list[str], Vectors]]:
        for start in range(0, len(ids), size):
            chunk = np.asarray(matrix[start : start + size], dtype=np.float32)
            yield ids[start : start + size], chunk

    return batches


def _open_parquet(path: Path) -> VectorFile:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise VectorImportError(
            "reading .parquet needs pyarrow: pip install 'paperwire[parquet]'"
        ) from None
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        raise VectorImportError(f"{path}: not a Parquet file ({error})") from None
    schema = parquet.schema_arrow
    if "arxiv_id" not in schema.names or "vector" not in schema.names:
        raise VectorImportError(f"{path}: needs columns arxiv_id and vector (has {schema.names})")
    kind = schema.field("vector").type
    if not (
        pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)
    ):
        raise VectorImportError(f"{path}: column vector must be a list of floats, not {kind}")
    if not pa.types.is_floating(kind.value_type):
        raise VectorImportError(f"{path}: column vector must hold floats, not {kind.value_type}")
    metadata = schema.metadata or {}
    model = metadata.get(b"model")
    fixed = kind.list_size if pa.types.is_fixed_size_list(kind) else None

    def batches(size: int) -> Iterator[tuple[list[str], Vectors]]:
        for batch in parquet.iter_batches(batch_size=size, columns=["arxiv_id", "vector"]):
            ids_column, vector_column = batch.column(0), batch.column(1)
            if ids_column.null_count or vector_column.null_count:
                raise VectorImportError(f"{path}: a row has no arxiv_id or no vector")
            yield [str(value) for value in ids_column.to_pylist()], _list_matrix(vector_column)

    return VectorFile(
        path, model.decode() if model else None, parquet.metadata.num_rows, fixed, batches
    )


def _list_matrix(column: Any) -> Vectors:
    """A list column as an n x d matrix; VectorImportError when its rows differ in length."""
    import pyarrow.compute as pc

    lengths = np.asarray(pc.list_value_length(column).to_numpy(zero_copy_only=False))
    if len(lengths) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    if (lengths != lengths[0]).any():
        row = int(np.flatnonzero(lengths != lengths[0])[0])
        raise VectorImportError(
            f"vectors of different lengths ({int(lengths[0])} and {int(lengths[row])})"
        )
    values = np.asarray(column.flatten().to_numpy(zero_copy_only=False), dtype=np.float32)
    return values.reshape(len(lengths), int(lengths[0]))
