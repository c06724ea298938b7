"""bench/recommend.py's data: SciFact read from ../shared, its vectors, topics and time order.

The corpus (CC BY-NC, evaluation only) is read from its folder at run time and never copied;
only derived vectors are cached, under bench/results/ (gitignored).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from paperwire.catalog.model import Authority, Paper
from paperwire.search.embedder import MiniLmEmbedder, paper_text

HERE = Path(__file__).parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "bench" / "scifact"
RESULTS = HERE / "results"
VECTORS = RESULTS / "scifact-vectors.npy"
PARTIAL = RESULTS / "scifact-vectors.partial.npy"
CHUNK = 64


@dataclass(frozen=True)
class Corpus:
    ids: list[str]
    texts: list[str]


def load_corpus(folder: Path) -> Corpus:
    ids, texts = [], []
    with (folder / "corpus.jsonl").open() as handle:
        for line in handle:
            doc = json.loads(line)
            ids.append(str(doc["_id"]))
            texts.append(paper_text(_paper(doc.get("title") or "", doc.get("text") or "")))
    return Corpus(ids, texts)


def _paper(title: str, abstract: str) -> Paper:
    # Only title and abstract feed paper_text; the rest is the smallest valid Paper.
    return Paper(
        id="bench",
        title=title,
        abstract=abstract,
        authors=[],
        categories=[],
        version=None,
        submitted=None,
        updated=None,
        doi=None,
        journal_ref=None,
        comments=None,
        license=None,
        links=[],
        listed_on=dt.date(2026, 1, 1),
        extras={},
        authority=Authority.ARXIV,
        withdrawn=False,
    )


def _segment(start: int) -> Path:
    return PARTIAL if start == 0 else RESULTS / f"scifact-vectors.from-{start}.npy"


def embed_segment(corpus: Corpus, start: int, stop: int, threads: int | None = None) -> None:
    """Embed rows [start, stop), saving after every chunk (embedding SciFact takes many
    minutes on 2 shared cores): an interrupted run resumes where it stopped, and two
    processes may embed two segments at once."""
    RESULTS.mkdir(exist_ok=True)
    path = _segment(start)
    parts = [np.load(path)] if path.exists() else []
    done = start + sum(len(part) for part in parts)
    embedder = MiniLmEmbedder(threads=threads)
    started, first = time.perf_counter(), done
    while done < stop:
        parts.append(embedder.embed(corpus.texts[done : min(done + CHUNK, stop)]))
        done += len(parts[-1])
        np.save(path, np.vstack(parts))
        rate = (done - first) / (time.perf_counter() - started)
        print(f"embedded rows {start}..{done} of {stop} ({rate:.1f} papers/s)", flush=True)


def embeddings(corpus: Corpus, threads: int | None = None) -> npt.NDArray[np.float32]:
    """paperwire's own embedder over title + abstract, cached in bench/results/."""
    if VECTORS.exists():
        cached = np.load(VECTORS)
        if cached.shape[0] == len(corpus.ids):
            return np.asarray(cached, dtype=np.float32)
    starts = sorted(
        [0]
        + [
            int(path.name.split("-")[-1][:-4])
            for path in RESULTS.glob("scifact-vectors.from-*.npy")
        ]
    )
    bounds = [*starts[1:], len(corpus.ids)]
    parts = []
    for start, stop in zip(starts, bounds, strict=True):
        path = _segment(start)
        have = len(np.load(path)) if path.exists() else 0
        if have < stop - start:
            embed_segment(corpus, start, stop, threads)
        parts.append(np.load(path)[: stop - start])
    vectors = np.vstack(parts).astype(np.float32)
    np.save(VECTORS, vectors)
    for start in starts:
        _segment(start).unlink(missing_ok=True)
    return vectors


@dataclass(frozen=True)
class Topics:
    """k-means clusters over tf-idf + LSA, each named by its heaviest tf-idf terms."""

    labels: npt.NDArray[np.intp]
    names: list[list[str]]
    tfidf: sp.csr_matrix
    vectoriser: TfidfVectorizer

    def query(self, topic: int) -> str:
        """The name a reader picks the topic by (a saved search): its top terms."""
        return " ".join(self.names[topic])


def tfidf_features(texts: list[str]) -> tuple[sp.csr_matrix, TfidfVectorizer]:
    """arxiv-sanity-lite's vectoriser (compute.py): word 1-2 grams, 20k features, sublinear tf."""
    vectoriser = TfidfVectorizer(
        input="content",
        encoding="utf-8",
        decode_error="replace",
        strip_accents="unicode",
        lowercase=True,
        analyzer="word",
        stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
        ngram_range=(1, 2),
        max_features=20000,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=True,
        max_df=0.1,
        min_df=5,
    )
    matrix = sp.csr_matrix(vectoriser.fit_transform(texts), dtype=np.float32)
    return matrix, vectoriser


def make_topics(texts: list[str], k: int, seed: int, lsa: int = 100) -> Topics:
    tfidf, vectoriser = tfidf_features(texts)
    vocabulary = [str(term) for term in vectoriser.get_feature_names_out()]
    reduced = TruncatedSVD(lsa, random_state=seed).fit_transform(tfidf)
    reduced /= np.maximum(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-12)
    labels = KMeans(k, n_init=4, random_state=seed).fit_predict(reduced).astype(np.intp)
    names = []
    for topic in range(k):
        centre = np.asarray(tfidf[labels == topic].mean(axis=0)).ravel()
        names.append([vocabulary[i] for i in np.argsort(-centre)[:5]])
    return Topics(labels, names, tfidf, vectoriser)
