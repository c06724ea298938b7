"""The merge rules (docs/catalog.md): which source wins each field of a paper.

Most cases apply `merge_record` to records built the way sources build them; the last
ones run the same rules through the Catalog on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import datetime as dt

from paperwire.catalog.merge import merge_record, paper_from_record
from paperwire.catalog.model import Authority, Link, Paper, PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.ingest.records import deleted_record
from tests.support.factories import make_record

MARCH_2 = dt.date(2024, 3, 2)


def arxiv(**arguments: object) -> PaperRecord:
    return make_record(**arguments)


def hf_daily(**arguments: object) -> PaperRecord:
    values: dict[str, object] = {
        "source": "hf-daily",
        "source_record_id": "2403.01234",
        "authority": Authority.HF_DAILY,
        "title": "A paper (HF spelling)",
        "abstract": "The HF abstract.",
        "authors": ["A. Lovelace"],
        "categories": [],
        "version": None,
        "submitted": None,
    }
    return make_record(**(values | arguments))


def listing(**arguments: object) -> PaperRecord:
    values: dict[str, object] = {
        "source": "hf-listing",
        "source_record_id": "listing:1",
        "authority": Authority.LISTING,
        "title": "A paper (listing spelling)",
        "abstract": "The listing abstract.",
        "authors": [],
        "categories": [],
        "version": None,
        "submitted": None,
    }
    return make_record(**(values | arguments))


def merged(*records: PaperRecord) -> Paper:
    paper: Paper | None = None
    for record in records:
        paper = merge_record(paper, record)
    assert paper is not None
    return paper


# -- a first record ----------------------------------------------------------------------


def test_first_record_becomes_the_paper() -> None:
    record = arxiv(doi="10.1000/xyz", comments="12 pages", license="CC-BY")
    paper = merge_record(None, record)
    assert paper == paper_from_record(record)
    assert (paper.id, paper.title, paper.abstract) == ("2403.01234", "A Paper", "An abstract.")
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert paper.categories == ["cs.LG", "stat.ML"]
    assert (paper.version, paper.submitted, paper.doi) == (1, MARCH_2, "10.1000/xyz")
    assert (paper.comments, paper.license) == ("12 pages", "CC-BY")
    assert paper.authority == Authority.ARXIV
    assert paper.links_of("doi") == ["https://doi.org/10.1000/xyz"]
    assert not paper.withdrawn
    # No listing feed has seen it yet: listed_on comes from the submission date.
    assert (paper.listed_on, paper.listed_from_feed) == (MARCH_2, False)


def test_a_feed_listing_day_is_marked_as_such() -> None:
    paper = merge_record(None, hf_daily(listed_on=dt.date(2024, 3, 5)))
    assert (paper.listed_on, paper.listed_from_feed) == (dt.date(2024, 3, 5), True)


def test_merging_leaves_the_stored_paper_untouched() -> None:
    existing = merge_record(None, hf_daily(extras={"upvotes": 1}))
    before = copy.deepcopy(existing)
    merge_record(existing, arxiv(extras={"upvotes": 5}))
    merge_record(existing, hf_daily(extra_links=[Link("code", "https://github.com/o/r")]))
    assert existing == before


# -- authority ---------------------------------------------------------------------------


def test_higher_authority_replaces_bibliographic_fields() -> None:
    paper = merged(listing(), hf_daily(), arxiv(journal_ref="J. Tests 1 (2024)"))
    assert paper.title == "A Paper"
    assert paper.abstract == "An abstract."
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert paper.categories == ["cs.LG", "stat.ML"]
    assert paper.journal_ref == "J. Tests 1 (2024)"
    assert paper.authority == Authority.ARXIV


def test_lower_authority_only_fills_empty_fields() -> None:
    paper = merged(
        arxiv(abstract="", journal_ref=None),
        hf_daily(journal_ref="Filled by HF", comments="HF comment"),
        listing(title="Listing title", abstract="Listing abstract."),
    )
    assert paper.title == "A Paper"  # kept: arXiv outranks both
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert paper.abstract == "The HF abstract."  # arXiv had none: the first filler wins
    assert (paper.journal_ref, paper.comments) == ("Filled by HF", "HF comment")
    assert paper.authority == Authority.ARXIV  # a lower source never lowers it


def test_an_empty_field_never_erases_a_stored_one() -> None:
    paper = merged(
        hf_daily(doi="10.1000/hf", comments="From HF"),
        arxiv(abstract="", authors=[], categories=[], doi=None, comments=None),
    )
    assert paper.title == "A Paper"  # the fields arXiv gave do replace
    assert paper.abstract == "The HF abstract."
    assert paper.authors == ["A. Lovelace"]
    assert (paper.doi, paper.comments) == ("10.1000/hf", "From HF")


# -- equal authority: the newer record -----------------------------------------------------


def test_higher_version_replaces_and_an_older_never_overwrites() -> None:
    newer = merged(arxiv(version=1, title="First"), arxiv(version=2, title="Second"))
    assert (newer.title, newer.version) == ("Second", 2)
    older = merged(arxiv(version=3, title="Third"), arxiv(version=2, title="Second"))
    assert (older.title, older.version) == ("Third", 3)


def test_an_older_version_still_fills_what_the_newer_left_empty() -> None:
    paper = merged(arxiv(version=3, comments=None), arxiv(version=2, comments="v2 comment"))
    assert (paper.comments, paper.version) == ("v2 comment", 3)


def test_same_version_the_later_updated_date_replaces() -> None:
    base = {"version": 2, "submitted": MARCH_2}
    later = merged(
        arxiv(**base, updated=dt.date(2024, 4, 1), title="April"),
        arxiv(**base, updated=dt.date(2024, 5, 1), title="May"),
    )
    assert later.title == "May"
    earlier = merged(
        arxiv(**base, updated=dt.date(2024, 5, 1), title="May"),
        arxiv(**base, updated=dt.date(2024, 4, 1), title="April"),
    )
    assert (earlier.title, earlier.updated) == ("May", dt.date(2024, 5, 1))


def test_without_versions_the_later_date_replaces() -> None:
    paper = merged(
        hf_daily(title="Later", submitted=dt.date(2024, 3, 9)),
        hf_daily(title="Earlier", submitted=dt.date(2024, 3, 1)),
    )
    assert paper.title == "Later"


def test_a_tie_goes_to_the_record_seen_last() -> None:
    assert merged(arxiv(title="Seen first"), arxiv(title="Seen last")).title == "Seen last"
    undated = merged(hf_daily(title="Seen first"), hf_daily(title="Seen last"))
    assert undated.title == "Seen last"


# -- links and extras accumulate -----------------------------------------------------------


def test_links_are_the_union_of_every_source() -> None:
    paper = merged(
        arxiv(comments="Code: https://github.com/org/repo"),
        hf_daily(
            extra_links=[
                Link("code", "https://github.com/org/repo/"),  # the same repository
                Link("project", "https://org.github.io/project"),
            ]
        ),
        listing(title="Later spelling"),
    )
    assert paper.links_of("abs") == ["https://arxiv.org/abs/2403.01234"]
    assert paper.links_of("pdf") == ["https://arxiv.org/pdf/2403.01234"]
    assert paper.links_of("code") == ["https://github.com/org/repo"]
    assert paper.links_of("project") == ["https://org.github.io/project"]


def test_extras_merge_key_by_key_and_the_latest_figure_wins() -> None:
    paper = merged(
        hf_daily(extras={"upvotes": 3, "githubStars": 10, "ai_keywords": ["segmentation"]}),
        arxiv(extras={"arxiv_submitter": "Ada Lovelace"}),
        hf_daily(extras={"upvotes": 7}),
    )
    assert paper.extras == {
        "upvotes": 7,
        "githubStars": 10,
        "ai_keywords": ["segmentation"],
        "arxiv_submitter": "Ada Lovelace",
    }


# -- listed_on ---------------------------------------------------------------------------


def test_a_feeds_day_beats_the_submission_date_in_either_order() -> None:
    hf_first = merged(hf_daily(listed_on=dt.date(2024, 3, 5)), arxiv())
    arxiv_first = merged(arxiv(), hf_daily(listed_on=dt.date(2024, 3, 5)))
    for paper in (hf_first, arxiv_first):
        assert (paper.listed_on, paper.listed_from_feed) == (dt.date(2024, 3, 5), True)


def test_between_feeds_the_earliest_day_is_kept() -> None:
    later_then_earlier = merged(
        hf_daily(listed_on=dt.date(2024, 3, 7)), listing(listed_on=dt.date(2024, 3, 5))
    )
    earlier_then_later = merged(
        listing(listed_on=dt.date(2024, 3, 5)), hf_daily(listed_on=dt.date(2024, 3, 7))
    )
    assert later_then_earlier.listed_on == earlier_then_later.listed_on == dt.date(2024, 3, 5)


def test_a_record_without_any_day_keeps_the_stored_one() -> None:
    paper = merged(hf_daily(listed_on=dt.date(2024, 3, 5)), hf_daily())
    assert (paper.listed_on, paper.listed_from_feed) == (dt.date(2024, 3, 5), True)
    undated = merged(hf_daily(), arxiv())
    assert (undated.listed_on, undated.listed_from_feed) == (MARCH_2, False)


# -- tombstones --------------------------------------------------------------------------


def test_a_deleted_record_withdraws_and_keeps_everything_else() -> None:
    stored = merged(arxiv(), hf_daily(extras={"upvotes": 4}, listed_on=dt.date(2024, 3, 5)))
    tombstone = deleted_record("arxiv-oai", "oai:arXiv.org:2403.01234", "2403.01234")
    after = merge_record(stored, tombstone)
    assert after.withdrawn
    assert (after.title, after.abstract, after.authors) == (
        stored.title,
        stored.abstract,
        stored.authors,
    )
    assert (after.links, after.extras, after.listed_on) == (
        stored.links,
        stored.extras,
        stored.listed_on,
    )


# -- the same rules through the Catalog (SQLite and PostgreSQL) ------------------------------


def test_newer_version_updates_and_older_does_not(catalog: Catalog) -> None:
    catalog.upsert([arxiv(version=2, title="Second title", updated=dt.date(2024, 4, 1))])
    counts = catalog.upsert([arxiv(version=1, title="First title")])
    paper = catalog.get("2403.01234")
    assert paper is not None and paper.title == "Second title" and paper.version == 2
    assert counts.unchanged == 1
    counts = catalog.upsert([arxiv(version=3, title="Third title")])
    assert counts.updated == 1
    assert catalog.get("2403.01234").title == "Third title"  # type: ignore[union-attr]


def test_hf_contribution_merges_into_arxiv_paper(catalog: Catalog) -> None:
    catalog.upsert([arxiv()])
    hf = hf_daily(
        title="A paper (HF spelling)",
        listed_on=dt.date(2024, 3, 5),
        extra_links=[Link("code", "https://github.com/org/repo")],
        extras={"upvotes": 12},
    )
    counts = catalog.upsert([hf])
    assert counts.updated == 1
    paper = catalog.get("2403.01234")
    assert paper is not None
    assert paper.title == "A Paper"  # arXiv outranks HF for metadata
    assert paper.listed_on == dt.date(2024, 3, 5)
    assert paper.links_of("code") == ["https://github.com/org/repo"]
    assert paper.extras["upvotes"] == 12
    assert sorted(ref.source for ref in paper.sources) == ["arxiv-oai", "hf-daily"]
    assert catalog.count() == 1


def test_lower_authority_fills_gaps_only(catalog: Catalog) -> None:
    catalog.upsert([arxiv(abstract="")])
    catalog.upsert([hf_daily(title="HF title", abstract="Filled.")])
    paper = catalog.get("2403.01234")
    assert paper is not None
    assert (paper.title, paper.abstract) == ("A Paper", "Filled.")


def test_tombstones_withdraw_known_papers_and_ignore_unknown_ones(catalog: Catalog) -> None:
    catalog.upsert([arxiv()])
    counts = catalog.upsert(
        [
            deleted_record("arxiv-oai", "oai:arXiv.org:2403.01234", "2403.01234"),
            deleted_record("arxiv-oai", "oai:arXiv.org:2403.09999", "2403.09999"),
        ]
    )
    assert (counts.added, counts.updated, counts.unchanged) == (0, 1, 1)
    withdrawn = catalog.get("2403.01234")
    assert withdrawn is not None and withdrawn.withdrawn and withdrawn.title == "A Paper"
    assert catalog.get("2403.09999") is None  # nothing is stored for a paper never seen
    assert catalog.count() == 1
    assert catalog.list_papers() == []  # withdrawn papers leave the listings
