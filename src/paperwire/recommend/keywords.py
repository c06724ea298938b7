"""Sparse keyword features for the reader model: tf-idf of title + abstract, reduced by LSA.

A paper's terms (words and two-word phrases of its title and abstract, stop words out) are
weighted by tf-idf (sublinear tf, smooth idf, unit rows) and projected onto the pool's top
latent semantic directions (a truncated SVD of the pool's tf-idf matrix), then scaled to unit
length. The ridge over [embedding | LSA] can then learn "papers that say *adipose* and
*insulin*", which the 384-dimension embedding blurs (bench/recommend.py measured it:
docs/recommend.md). A signed hashing sketch of the same tf-idf (no fit at all) measured
clearly worse there (nDCG@10 0.90 at 512 dimensions against 0.96), so the SVD it is.

Nothing is stored: the vocabulary, the idf and the SVD come from the candidate pool the
engine loads anyway (ranking.load_pool), are refitted with it, and are deterministic (terms
in sorted order, a fixed-seed randomized SVD), so every process builds the same space from
the same papers. Terms fewer than `min_df` pool papers use are dropped (no candidate could
match them), and so are terms in more than `max_df` of the pool: "results", "method" and
"study" say nothing about a reader.

Pure numpy, with a small CSR product of its own (the product does not depend on scipy).
"""

from __future__ import annotations

import html
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DIMENSIONS = 128
# Abstracts run to ~2,000 characters; a hostile or broken one (a whole paper pasted in)
# must not cost seconds per pool load. Title + abstract beyond this are not read.
MAX_CHARS = 20_000
MIN_DF = 5  # arxiv-sanity-lite's too; 2 measured the same (nDCG@10 0.964) at 4x the terms
MAX_DF = 0.1
# The SVD is fitted on at most this many pool papers (a fixed-seed sample; every pool paper
# is then projected): its cost stays bounded on a month of all of arXiv.
FIT_SAMPLE = 4000
_OVERSAMPLE = 16
_POWER_ITERATIONS = 2
_NNZ_CHUNK = 16_384  # sparse entries per gathered block in the CSR product (~17 MB)

_TAG = re.compile(r"<[^<>]{0,500}>")
# LaTeX commands (\mathcal, \emph) and math delimiters: markup, not words.
_LATEX = re.compile(r"\\[A-Za-z]+|\$")
_TOKEN = re.compile(r"[a-z][a-z0-9]+")

# English function words (the usual list) plus the words every abstract uses.
_STOP_LIST = """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway
    anywhere are around as at be became because become becomes becoming been before
    beforehand behind being below beside besides between beyond both but by can cannot
    could did do does doing done down due during each eg either else elsewhere enough etc
    even ever every everyone everything everywhere except few for former formerly from
    further had has have having he hence her here hereafter hereby herein hers herself him
    himself his how however i ie if in indeed into is it its itself just keep last latter
    latterly least less many may me meanwhile might mine more moreover most mostly much must
    my myself namely neither never nevertheless next no nobody none noone nor not nothing
    now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own per perhaps please rather re same see seem seemed seeming seems
    several she should since so some somehow someone something sometime sometimes somewhere
    still such than that the their theirs them themselves then thence there thereafter
    thereby therefore therein thereupon these they this those though through throughout thru
    thus to together too toward towards under until up upon us very via was we well were
    what whatever when whence whenever where whereafter whereas whereby wherein whereupon
    wherever whether which while whither who whoever whole whom whose why will with within
    without would yet you your yours yourself yourselves
    paper propose proposed show shows shown using use used based new approach results
"""
STOP_WORDS = frozenset(_STOP_LIST.split())


Matrix = npt.NDArray[np.float32]


def clean(text: str) -> str:
    """Lower-case ASCII letters and digits of `text`, without HTML or LaTeX markup."""
    text = html.unescape(_TAG.sub(" ", text[:MAX_CHARS]))
    text = _LATEX.sub(" ", text)
    # Accents off (é -> e), as arxiv-sanity-lite's vectoriser does; other scripts drop out.
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.lower()


def terms(text: str) -> list[str]:
    """Words (2+ characters, not stop words) and each pair of adjacent kept words."""
    words = [word for word in _TOKEN.findall(clean(text)) if word not in STOP_WORDS]
    return words + [f"{first} {second}" for first, second in itertools.pairwise(words)]


def paper_terms(title: str | None, abstract: str | None) -> list[str]:
    """A paper's terms: its title and abstract, as the embedding reads them."""
    return terms(f"{title or ''}. {abstract or ''}")


@dataclass(frozen=True, slots=True)
class Sparse:
    """A CSR matrix: row i holds values[indptr[i]:indptr[i+1]] at columns indices[...]."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    values: Matrix
    columns: int

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def dot(self, dense: Matrix) -> Matrix:
        """self @ dense: rows of `dense` gathered a block of entries at a time, summed per
        row by np.add.reduceat (a Python loop over blocks, never over entries)."""
        out = np.zeros((self.rows, dense.shape[1]), np.float32)
        lengths = np.diff(self.indptr)
        row = 0
        while row < self.rows:
            begin = int(self.indptr[row])
            stop = int(np.searchsorted(self.indptr, begin + _NNZ_CHUNK, side="right")) - 1
            stop = min(max(stop, row + 1), self.rows)
            end = int(self.indptr[stop])
            if end > begin:
                block = dense[self.indices[begin:end]] * self.values[begin:end, None]
                filled = np.flatnonzero(lengths[row:stop])
                out[row + filled] = np.add.reduceat(block, self.indptr[row:stop][filled] - begin)
            row = stop
        return out

    def transpose(self) -> Sparse:
        order = np.argsort(self.indices, kind="stable")
        row_of = np.repeat(np.arange(self.rows, dtype=np.int64), np.diff(self.indptr))
        counts = np.bincount(self.indices, minlength=self.columns)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return Sparse(indptr, row_of[order], self.values[order], self.rows)

    def take(self, rows: npt.NDArray[np.intp]) -> Sparse:
        spans = [np.arange(self.indptr[r], self.indptr[r + 1]) for r in rows]
        picked = np.concatenate(spans) if spans else np.zeros(0, np.int64)
        indptr = np.concatenate([[0], np.cumsum(np.diff(self.indptr)[rows])]).astype(np.int64)
        return Sparse(indptr, self.indices[picked], self.values[picked], self.columns)


@dataclass(frozen=True, slots=True)
class KeywordSpace:
    """The pool's vocabulary and idf, and its top LSA directions (dimensions x terms)."""

    vocabulary: dict[str, int]
    idf: Matrix
    components: Matrix
    documents: int

    @property
    def dimensions(self) -> int:
        return int(self.components.shape[0])

    @classmethod
    def fit(
        cls,
        documents: Sequence[Sequence[str]],
        *,
        dimensions: int = DIMENSIONS,
        min_df: int = MIN_DF,
        max_df: float = MAX_DF,
    ) -> KeywordSpace:
        """Vocabulary, smooth idf (scikit-learn's: log((1 + n) / (1 + df)) + 1) and LSA
        directions of `documents` (each a paper's `terms`)."""
        return cls.fit_project(documents, dimensions=dimensions, min_df=min_df, max_df=max_df)[0]

    @classmethod
    def fit_project(
        cls,
        documents: Sequence[Sequence[str]],
        *,
        dimensions: int = DIMENSIONS,
        min_df: int = MIN_DF,
        max_df: float = MAX_DF,
    ) -> tuple[KeywordSpace, Matrix]:
        """`fit`, and the documents' own features (`project`), from one tf-idf pass."""
        frequency: Counter[str] = Counter()
        for document in documents:
            frequency.update(set(document))
        count = len(documents)
        kept = sorted(term for term, df in frequency.items() if min_df <= df <= max_df * count)
        vocabulary = {term: column for column, term in enumerate(kept)}
        idf = np.array(
            [math.log((1 + count) / (1 + frequency[term])) + 1.0 for term in kept], np.float32
        )
        bare = cls(vocabulary, idf, np.zeros((0, len(kept)), np.float32), count)
        matrix = bare.tfidf(documents)
        space = cls(vocabulary, idf, top_directions(matrix, dimensions), count)
        return space, space.reduce(matrix)

    def tfidf(self, documents: Iterable[Sequence[str]]) -> Sparse:
        """Unit rows of sublinear tf x idf over the vocabulary (unknown terms left out)."""
        indptr, indices, values = [0], [], []
        for document in documents:
            found = [
                (self.vocabulary[term], 1.0 + math.log(count))
                for term, count in Counter(document).items()
                if term in self.vocabulary
            ]
            found.sort()
            columns = np.array([column for column, _ in found], np.int64)
            weights = np.array([tf for _, tf in found], np.float32) * self.idf[columns]
            norm = float(np.linalg.norm(weights))
            indices.append(columns)
            values.append(weights / norm if norm > 0 else weights)
            indptr.append(indptr[-1] + len(found))
        return Sparse(
            np.array(indptr, np.int64),
            np.concatenate(indices) if indices else np.zeros(0, np.int64),
            np.concatenate(values).astype(np.float32) if values else np.zeros(0, np.float32),
            len(self.vocabulary),
        )

    def project(self, documents: Iterable[Sequence[str]]) -> Matrix:
        """Unit rows (documents, dimensions). A paper with no pool term is a zero row: it
        scores 0 on keywords, neither way."""
        return self.reduce(self.tfidf(documents))

    def reduce(self, matrix: Sparse) -> Matrix:
        """Unit rows of a tf-idf matrix's LSA coordinates."""
        reduced = matrix.dot(np.ascontiguousarray(self.components.T))
        norms = np.linalg.norm(reduced, axis=1, keepdims=True)
        return np.asarray(reduced / np.where(norms == 0, 1.0, norms), np.float32)


def top_directions(matrix: Sparse, dimensions: int, seed: int = 0) -> Matrix:
    """The top right singular vectors of `matrix` (dimensions x columns), by randomized SVD
    (Halko, Martinsson & Tropp 2011: range finder with power iterations), from a fixed-seed
    sample of at most FIT_SAMPLE rows."""
    rng = np.random.default_rng(seed)
    if matrix.rows > FIT_SAMPLE:
        matrix = matrix.take(np.sort(rng.choice(matrix.rows, FIT_SAMPLE, replace=False)))
    rank = min(dimensions, matrix.rows, matrix.columns)
    if rank <= 0 or not len(matrix.values):
        return np.zeros((0, matrix.columns), np.float32)
    width = min(rank + _OVERSAMPLE, matrix.rows, matrix.columns)
    transposed = matrix.transpose()
    sample = rng.standard_normal((matrix.columns, width)).astype(np.float32)
    basis, _ = np.linalg.qr(matrix.dot(sample))
    # Orthonormalised on the papers' side only (rows <= FIT_SAMPLE: a cheap QR); the terms'
    # side (tens of thousands of rows) is never factored.
    for _ in range(_POWER_ITERATIONS):
        basis, _ = np.linalg.qr(matrix.dot(transposed.dot(basis)))
    # Bᵀ = Xᵀ Q (columns x width); B's right singular vectors are X's top ones. From the
    # small eigenproblem B Bᵀ = U S² Uᵀ: V = Bᵀ U / S, without an SVD of the tall Bᵀ.
    tall = transposed.dot(basis).astype(np.float64)
    eigenvalues, eigenvectors = np.linalg.eigh(tall.T @ tall)
    top = np.argsort(-eigenvalues)[:rank]
    scale = np.sqrt(np.maximum(eigenvalues[top], 1e-12))
    directions = (tall @ eigenvectors[:, top] / scale).T
    return np.ascontiguousarray(directions, dtype=np.float32)
