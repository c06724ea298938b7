"""The tantivy keyword index over the real demo corpus, in real index files."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwire.catalog.model import Authority, PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.demo import HF_DAILY, LISTING, LISTING_DATE, SNAPSHOT, load_demo
from paperwire.ingest.files import ingest_paths
from paperwire.ingest.records import build_record
from paperwire.search.filters import SearchFilters
from paperwire.search.keyword import (
    IndexLockedError,
    KeywordHit,
    KeywordIndex,
    ReadOnlyIndexError,
)
from paperwire.search.query import parse_query
from tests.search.test_query import HOSTILE

MEDICAL_SEGMENTATION = {
    "paratranscnn-parallelized-transcnn-encoder-for-medical-image-segmentation",
    "sam-unet-enhancing-zero-shot-segmentation-of-sam-for-universal-medical-images",
    "multi-scale-self-guided-attention-for-medical-image-segmentation",
    "improving-anatomical-plausibility-in-medical-image-segmentation-via-hybrid-graph-7310f2ba",
    "transdae-dual-attention-mechanism-in-a-hierarchical-transformer-for-efficient-me-41075edf",
}
MASK2FORMER = "efficient-transformer-encoders-for-mask2former-style-models"
YURKIN = {"0704.0033", "0704.0035", "0704.0037", "0704.0038"}
QUERIES = [
    "medical image segmentation",
    "Mask2Former encoder",
    '"image segmentation" transformer',
    "black hole* entropy",
    "author:hoekstra dipole",
    "cat:hep-th string",
]


@pytest.fixture(scope="module")
def demo_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    catalog = Catalog.open(f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'demo.db'}")
    load_demo(catalog)
    yield catalog
    catalog.close()


@pytest.fixture(scope="module")
def index(
    demo_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KeywordIndex]:
    with KeywordIndex.open(tmp_path_factory.mktemp("keyword")) as opened:
        opened.rebuild(demo_catalog)
        yield opened


def ids(index: KeywordIndex, query: str, limit: int = 10, **filters: object) -> list[str]:
    search_filters = SearchFilters(**filters) if filters else None  # type: ignore[arg-type]
    return [hit.id for hit in index.search(parse_query(query), limit, search_filters)]


def results(index: KeywordIndex) -> dict[str, list[tuple[str, float]]]:
    return {
        query: [(hit.id, round(hit.score, 4)) for hit in index.search(parse_query(query), 20)]
        for query in QUERIES
    }


def test_rebuild_indexes_every_paper(index: KeywordIndex, demo_catalog: Catalog) -> None:
    assert index.count() == demo_catalog.count() == 268
    assert index.applied_seq == max(p.change_seq for p in demo_catalog.iter_papers())


def test_medical_segmentation_papers_rank_first(index: KeywordIndex) -> None:
    assert set(ids(index, "medical image segmentation", 5)) == MEDICAL_SEGMENTATION
    # Stemming lets other word forms find them too.
    assert len(set(ids(index, "segmenting medical images", 5)) & MEDICAL_SEGMENTATION) == 5


def test_title_word_outranks_abstract_mentions(index: KeywordIndex) -> None:
    assert ids(index, "Mask2Former encoder")[0] == MASK2FORMER
    hits = index.search(parse_query("Mask2Former encoder"), 2)
    assert hits[0].score > 2 * hits[1].score


def test_sharing_words_ranks_like_a_search_of_the_words_but_ignores_authors(
    index: KeywordIndex,
) -> None:
    words = parse_query("medical image segmentation").terms
    assert {hit.id for hit in index.sharing_words(words, 5)} == MEDICAL_SEGMENTATION
    # "yurkin" is only an author's name: a search finds his papers, sharing_words nothing.
    assert set(ids(index, "yurkin")) == YURKIN
    assert index.sharing_words(["yurkin"], 5) == []
    assert index.sharing_words([], 5) == [] and index.sharing_words(words, 0) == []


def test_sharing_words_leaves_out_words_most_papers_use(index: KeywordIndex) -> None:
    words = parse_query("medical image segmentation").terms
    common = ["the", "of", "and", "we"]  # in far more than a fifth of the demo's abstracts
    assert index.sharing_words([*words, *common], 5) == index.sharing_words(words, 5)
    # A title of common words only still finds papers, by its rarest words.
    assert len(index.sharing_words(common, 3)) == 3


def test_flat_and_nested_word_queries_score_the_same(index: KeywordIndex) -> None:
    """Free words are one flat union of (word, field) terms (fast: block-max WAND); beside
    a phrase they sit in a nested clause. The same documents must score the same."""
    flat = {hit.id: hit.score for hit in index.search(parse_query("transformer encoder"), 30)}
    nested = {
        hit.id: hit.score for hit in index.search(parse_query('transformer encoder -"zzzqqq"'), 30)
    }
    assert flat.keys() == nested.keys() and len(flat) == 30
    assert all(abs(flat[key] - nested[key]) < 1e-4 * flat[key] for key in flat)


def test_author_and_category_terms(index: KeywordIndex) -> None:
    assert set(ids(index, "author:yurkin")) == YURKIN
    assert set(ids(index, 'author:"Alfons G. Hoekstra"')) == YURKIN
    assert ids(index, 'author:"Hoekstra Alfons"') == []
    optics = ids(index, "cat:physics.optics dipole", 50)
    assert set(optics) >= YURKIN
    assert set(ids(index, "cat:physics dipole", 50)) >= set(optics)  # archive matches all
    assert set(ids(index, "cat:cs.ne acoustic emission")) == {"0704.0047", "0704.0050"}
    assert ids(index, "id:0704.0033v2") == ["0704.0033"]


def test_category_filter_keeps_bm25_order(index: KeywordIndex) -> None:
    everywhere = ids(index, "dipole approximation", 50)
    in_optics = ids(index, "dipole approximation", 50, categories=("physics.optics",))
    assert in_optics == [paper_id for paper_id in everywhere if paper_id in in_optics]
    assert ids(index, "cat:hep-th black holes") == [  # words stay required beside cat:
        paper_id for paper_id in ids(index, "black holes", 50) if paper_id in
        ids(index, "cat:hep-th", 100)
    ]  # fmt: skip


def test_phrase_is_stricter_than_words(index: KeywordIndex, demo_catalog: Catalog) -> None:
    phrase = ids(index, '"image segmentation"', 100)
    words = ids(index, "image segmentation", 100)
    assert set(phrase) < set(words)
    for paper in demo_catalog.get_many(phrase):
        assert re.search(r"imag\w*\W+segment", f"{paper.title} {paper.abstract}".lower())


def test_prefix_and_exclusion(index: KeywordIndex) -> None:
    assert MASK2FORMER in ids(index, "mask2form*")
    assert set(ids(index, "segmentat*", 50)) >= MEDICAL_SEGMENTATION
    assert not MEDICAL_SEGMENTATION & set(ids(index, "segmentation -medical", 50))
    assert ids(index, "-segmentation") == []


def test_filters(index: KeywordIndex, demo_catalog: Catalog) -> None:
    with_code = ids(index, "segmentation", 50, has_code=True)
    assert with_code
    assert all(paper.links_of("code") for paper in demo_catalog.get_many(with_code))
    assert ids(index, "classifiers", 50, min_upvotes=5) == ["2602.23229"]
    recent = ids(index, "model", 100, submitted_from=dt.date(2026, 1, 1))
    assert recent == ["2602.23229"] or all(
        (p.submitted or dt.date.min) >= dt.date(2026, 1, 1) for p in demo_catalog.get_many(recent)
    )
    listed = ids(index, "encoder", 100, listed_from=LISTING_DATE, listed_to=LISTING_DATE)
    assert listed and all(p.listed_on == LISTING_DATE for p in demo_catalog.get_many(listed))


def test_highlights_mark_matched_words(index: KeywordIndex, demo_catalog: Catalog) -> None:
    paper = demo_catalog.get(sorted(MEDICAL_SEGMENTATION)[0])
    assert paper is not None
    marked = index.highlights(parse_query("medical image segment*"), paper)
    assert "".join(run["text"] for run in marked["title"]) == paper.title.strip()
    title_marks = {run["text"].lower() for run in marked["title"] if run["type"] == "highlight"}
    assert title_marks == {"medical", "image", "segmentation"}
    summary = "".join(run["text"] for run in marked["summary"])
    assert summary in paper.abstract and any(r["type"] == "highlight" for r in marked["summary"])
    plain = index.highlights(parse_query("zzzunmatched"), paper)
    assert plain["title"] == [{"type": "text", "text": paper.title.strip()}]
    assert len(plain["summary"][0]["text"]) <= 300


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(index: KeywordIndex, demo_catalog: Catalog, text: str) -> None:
    paper = demo_catalog.get(MASK2FORMER)
    assert paper is not None
    hits = index.search(parse_query(text), 10)
    assert all(isinstance(hit, KeywordHit) for hit in hits)
    index.highlights(parse_query(text), paper)


def test_sync_applies_new_and_changed_papers(tmp_path: Path, sqlite_catalog: Catalog) -> None:
    load_demo(sqlite_catalog)
    with KeywordIndex.open(tmp_path / "kw") as index:
        assert index.sync(sqlite_catalog) == 268
        assert index.sync(sqlite_catalog) == 0  # nothing new: the watermark holds
        sqlite_catalog.upsert([_record("Quokka detection with sparse transformers")])
        assert index.sync(sqlite_catalog) == 1
        assert ids(index, "quokka") == ["2403.01234"]
        sqlite_catalog.upsert([_record("Wombat detection with sparse transformers", version=2)])
        index.sync(sqlite_catalog)
        assert ids(index, "quokka") == [] and ids(index, "wombat") == ["2403.01234"]
        assert index.count() == 269  # the update replaced the paper, no duplicate
    with KeywordIndex.open(tmp_path / "kw") as reopened:  # the watermark survives a restart
        assert reopened.applied_seq == max(p.change_seq for p in sqlite_catalog.iter_papers())
        assert reopened.sync(sqlite_catalog) == 0


def test_rebuild_equals_incremental(tmp_path: Path, sqlite_catalog: Catalog) -> None:
    with KeywordIndex.open(tmp_path / "incremental") as incremental:
        for paths, listed_on in (([SNAPSHOT], None), ([LISTING], LISTING_DATE), ([HF_DAILY], None)):
            ingest_paths(sqlite_catalog, paths, listed_on=listed_on)
            incremental.sync(sqlite_catalog)
        with KeywordIndex.open(tmp_path / "rebuilt") as rebuilt:
            rebuilt.rebuild(sqlite_catalog)
            assert results(rebuilt) == results(incremental)
            assert rebuilt.count() == incremental.count() == 268


def test_sqlite_and_postgresql_give_the_same_results(
    catalog: Catalog, index: KeywordIndex, tmp_path: Path
) -> None:
    load_demo(catalog)
    with KeywordIndex.open(tmp_path / "kw") as built:
        built.rebuild(catalog)
        assert results(built) == results(index)


def test_second_writer_is_refused(tmp_path: Path) -> None:
    with KeywordIndex.open(tmp_path / "kw"):
        with pytest.raises(IndexLockedError, match="only one writer"):
            KeywordIndex.open(tmp_path / "kw")
        other = subprocess.run(
            [sys.executable, "-c", f"from paperwire.search.keyword import KeywordIndex\n"
             f"KeywordIndex.open({str(tmp_path / 'kw')!r})"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert other.returncode != 0 and "IndexLockedError" in other.stderr
    KeywordIndex.open(tmp_path / "kw").close()  # released on close


def test_reader_sees_commits_and_rebuilds_after_reload(
    tmp_path: Path, sqlite_catalog: Catalog
) -> None:
    with pytest.raises(FileNotFoundError, match="index rebuild"):
        KeywordIndex.open_reader(tmp_path / "kw")
    ingest_paths(sqlite_catalog, [SNAPSHOT])
    with KeywordIndex.open(tmp_path / "kw") as writer:
        writer.sync(sqlite_catalog)
        reader = KeywordIndex.open_reader(tmp_path / "kw")
        assert reader.count() == 200
        with pytest.raises(ReadOnlyIndexError):
            reader.add([])
        ingest_paths(sqlite_catalog, [LISTING], listed_on=LISTING_DATE)
        writer.sync(sqlite_catalog)
        assert reader.count() == 200  # a reader moves only when told to
        reader.reload()
        assert reader.count() == 267 and reader.applied_seq == writer.applied_seq
        ingest_paths(sqlite_catalog, [HF_DAILY])
        writer.rebuild(sqlite_catalog)
        reader.reload()
        assert reader.generation == writer.generation
        assert reader.count() == 268
        assert ids(reader, "Mask2Former encoder")[0] == MASK2FORMER


def _record(title: str, version: int = 1) -> PaperRecord:
    record = build_record(
        source="arxiv-oai",
        source_record_id="oai:arXiv.org:2403.01234",
        authority=Authority.ARXIV,
        raw_id="2403.01234",
        title=title,
        abstract="We detect marsupials in camera-trap images.",
        authors=["Ada Lovelace"],
        categories=["cs.CV"],
        version=version,
        submitted=dt.date(2024, 3, 2),
    )
    return record


def test_highlighted_title_keeps_trailing_punctuation_and_tex(
    index: KeywordIndex, demo_catalog: Catalog
) -> None:
    """tantivy's fragment stops at the last token: the title must come back whole."""
    from paperwire.catalog.model import Paper

    template = demo_catalog.get(MASK2FORMER)
    assert template is not None
    for title, query in (
        ("Injective Morita contexts (revisited)", "morita"),
        ("Bounds for $\\Lambda_{\\alpha}$", "bounds"),
        ("(Revisited) the morita case.", "case"),
    ):
        paper = Paper(**{**{f: getattr(template, f) for f in template.__slots__}, "title": title})  # type: ignore[arg-type]
        runs = index.highlights(parse_query(query), paper)["title"]
        assert "".join(run["text"] for run in runs) == title
        assert any(run["type"] == "highlight" for run in runs)
    paper = Paper(
        **{
            **{f: getattr(template, f) for f in template.__slots__},
            "abstract": "We bound $\\Lambda_{\\alpha}$ (revisited) here. " * 3,
        }
    )  # type: ignore[arg-type]
    summary = "".join(
        run["text"] for run in index.highlights(parse_query("revisited"), paper)["summary"]
    )
    assert summary in paper.abstract and "(revisited)" in summary
