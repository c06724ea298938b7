"""Listing papers (title slugs) and arXiv papers of the same title become one paper."""

from __future__ import annotations

import datetime as dt

from paperwire.catalog.matching import title_key
from paperwire.catalog.model import Authority, PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.ingest.records import build_record

TITLE = "UniXcoder: Unified Cross-Modal Pre-training for Code Representation"


def listing(title: str = TITLE) -> PaperRecord:
    return build_record(
        source="hf-listing",
        source_record_id="listing.txt:9",
        authority=Authority.LISTING,
        raw_id=None,
        title=title,
        abstract="Pre-trained models for programming languages. Code: https://github.com/microsoft/CodeBERT",
        listed_on=dt.date(2022, 3, 14),
    )


def arxiv(
    title: str = "UniXcoder: unified cross-modal pre-training for code representation",
) -> PaperRecord:
    return build_record(
        source="arxiv-oai",
        source_record_id="oai:arXiv.org:2203.03850",
        authority=Authority.ARXIV,
        raw_id="2203.03850",
        title=title,
        abstract="Pre-trained models for programming languages have recently shown success.",
        authors=["Daya Guo", "Shuai Lu"],
        categories=["cs.CL", "cs.PL"],
        submitted=dt.date(2022, 3, 8),
    )


def test_title_key_ignores_case_accents_punctuation_and_refuses_short_titles() -> None:
    assert title_key("Café: A Study, of Things!") == title_key("cafe a study of things")
    assert title_key("Introduction") is None


def test_arxiv_record_absorbs_an_earlier_listing_paper(catalog: Catalog) -> None:
    catalog.upsert([listing()])
    slug = "unixcoder-unified-cross-modal-pre-training-for-code-representation"
    assert catalog.get(slug) is not None
    catalog.upsert([arxiv()])
    assert catalog.count() == 1
    paper = catalog.get("2203.03850")
    assert paper is not None
    assert paper.title.startswith("UniXcoder: unified")  # arXiv's metadata wins
    assert paper.listed_on == dt.date(2022, 3, 14) and paper.listed_from_feed
    assert paper.links_of("code") == ["https://github.com/microsoft/CodeBERT"]
    assert [ref.source for ref in paper.sources] == ["arxiv-oai", "hf-listing"]
    by_alias = catalog.get(slug)
    assert by_alias is not None and by_alias.id == "2203.03850"


def test_listing_record_joins_an_existing_arxiv_paper(catalog: Catalog) -> None:
    catalog.upsert([arxiv()])
    counts = catalog.upsert([listing()])
    assert counts.updated == 1 and catalog.count() == 1
    paper = catalog.get("2203.03850")
    assert paper is not None and paper.listed_on == dt.date(2022, 3, 14)
    again = catalog.upsert([listing(), arxiv()])
    assert again.unchanged == 2 and catalog.count() == 1


def test_both_in_one_batch_and_different_titles_stay_apart(catalog: Catalog) -> None:
    catalog.upsert([listing(), arxiv(), listing("A Completely Different Paper About Graphs")])
    assert catalog.count() == 2
    assert catalog.get("a-completely-different-paper-about-graphs") is not None
