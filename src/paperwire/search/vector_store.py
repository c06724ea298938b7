"""Paper vectors stored durably in the catalog database, so a restart never recomputes them.

Vectors are kept as little-endian float16 (768 bytes for 384 dimensions): half the size of
float32, and no loss that matters, because the usearch index stores f16 anyway and a cosine
between f16-rounded unit vectors differs from the float32 one by < 1e-3.

Two sequences per row:
- `seq`: the paper's change_seq the vector reflects. A paper with `seq < change_seq` (or no
  row, or another model's row) is pending for the embed job.
- `stored_seq`: from the `vector_seq` counter, taken once per committed batch. Indexes follow
  it (`vectors_changed_since`): the counter row is locked until commit, so once a reader sees
  stored_seq N, every batch numbered below N has committed too and none is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from paperwire.catalog.schema import paper_id_column
from paperwire.db.connections import DialectInsert, dialect_insert
from paperwire.db.metadata import metadata

# Kept free of the model's imports (onnxruntime...): catalog.schema imports this module.
Vectors = npt.NDArray[np.float32]
VECTOR_DTYPE = np.dtype("<f2")
_IN_CHUNK = 5000

paper_vectors = sa.Table(
    "paper_vectors",
    metadata,
    paper_id_column(primary_key=True),
    sa.Column("model_id", sa.String(100), nullable=False),
    # sha256 of embedder.paper_text(paper): a change elsewhere in the paper keeps the vector.
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("stored_seq", sa.BigInteger, nullable=False, index=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),
    sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class StoredVector:
    paper_id: str
    model_id: str
    text_hash: str
    seq: int
    vector: Vectors


@dataclass(frozen=True, slots=True)
class VectorBatch:
    """Vectors read in stored_seq order; `stored_seq` is the highest among them."""

    ids: list[str]
    vectors: Vectors
    stored_seq: int


def encode(vector: Vectors) -> bytes:
    return np.asarray(vector, dtype=VECTOR_DTYPE).tobytes()


def decode(blobs: Sequence[bytes], dimensions: int | None = None) -> Vectors:
    if not blobs:
        return np.zeros((0, dimensions or 0), dtype=np.float32)
    joined = np.frombuffer(b"".join(blobs), dtype=VECTOR_DTYPE)
    return joined.reshape(len(blobs), -1).astype(np.float32)


def upsert_statement(connection: sa.Connection) -> DialectInsert:
    """INSERT ... ON CONFLICT that never replaces a newer vector with an older one.

    Two workers may embed the same paper; the one that read an older version of the paper
    must not win, whatever order they commit in.
    """
    insert = dialect_insert(connection, paper_vectors)
    columns = ("model_id", "text_hash", "seq", "stored_seq", "vector", "embedded_at")
    return insert.on_conflict_do_update(
        index_elements=[paper_vectors.c.paper_id],
        set_={name: insert.excluded[name] for name in columns},
        where=paper_vectors.c.seq <= insert.excluded.seq,
    )


def read_stored(connection: sa.Connection, ids: Sequence[str]) -> dict[str, StoredVector]:
    found: dict[str, StoredVector] = {}
    t = paper_vectors.c
    for start in range(0, len(ids), _IN_CHUNK):
        rows = connection.execute(
            sa.select(t.paper_id, t.model_id, t.text_hash, t.seq, t.vector).where(
                t.paper_id.in_(ids[start : start + _IN_CHUNK])
            )
        ).all()
        for row in rows:
            found[row.paper_id] = StoredVector(
                row.paper_id, row.model_id, row.text_hash, int(row.seq), decode([row.vector])[0]
            )
    return found


def load_vectors(engine: sa.Engine, ids: Sequence[str] | None = None) -> tuple[list[str], Vectors]:
    """Stored vectors (all of them, or those of `ids` that have one), in paper-id order."""
    t = paper_vectors.c
    with engine.connect() as connection:
        if ids is None:
            rows = connection.execute(sa.select(t.paper_id, t.vector).order_by(t.paper_id)).all()
        else:
            rows = []
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = list(ids[start : start + _IN_CHUNK])
                rows += connection.execute(
                    sa.select(t.paper_id, t.vector).where(t.paper_id.in_(chunk))
                ).all()
            rows.sort(key=lambda row: str(row.paper_id))
    return [str(row.paper_id) for row in rows], decode([row.vector for row in rows])


def vectors_changed_since(
    engine: sa.Engine, stored_seq: int = 0, batch_size: int = 10_000
) -> Iterator[VectorBatch]:
    """Vectors stored after `stored_seq` (0: all), in stored_seq order, a batch at a time.

    A batch never splits one stored_seq, so a caller may record `batch.stored_seq` as done.
    """
    t = paper_vectors.c
    after = stored_seq
    while True:
        with engine.connect() as connection:
            # Read up to the stored_seq that the page ends in, then all of that last seq.
            last = connection.execute(
                sa.select(t.stored_seq)
                .where(t.stored_seq > after)
                .order_by(t.stored_seq)
                .offset(batch_size - 1)
                .limit(1)
            ).scalar()
            query = sa.select(t.paper_id, t.vector, t.stored_seq).where(t.stored_seq > after)
            if last is not None:
                query = query.where(t.stored_seq <= last)
            rows = connection.execute(query.order_by(t.stored_seq, t.paper_id)).all()
        if not rows:
            return
        after = int(rows[-1].stored_seq)
        yield VectorBatch(
            [str(row.paper_id) for row in rows], decode([row.vector for row in rows]), after
        )


def max_stored_seq(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        value = connection.execute(sa.select(sa.func.max(paper_vectors.c.stored_seq))).scalar()
    return int(value or 0)
