"""The Catalog on SQLite and PostgreSQL: merge, idempotence, checkpoints, reads."""

from __future__ import annotations

import datetime as dt

from paperwire.catalog.model import Authority, Link, PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.ingest.records import build_record


def record(**overrides: object) -> PaperRecord:
    """A clean record built the way every source builds one."""
    values: dict[str, object] = {
        "source": "arxiv-oai",
        "source_record_id": "oai:arXiv.org:2403.01234",
        "authority": Authority.ARXIV,
        "raw_id": "2403.01234",
        "title": "A Paper",
        "abstract": "An abstract.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": ["cs.LG", "stat.ML"],
        "version": 1,
        "submitted": dt.date(2024, 3, 2),
    }
    values.update(overrides)
    if "paper_id" in values:
        values["raw_id"] = None if "-" in str(values["paper_id"]) else values["paper_id"]
        title_for_slug = str(values.pop("paper_id")).replace("-", " ")
        if values["raw_id"] is None:
            values["title"] = title_for_slug
    if "links" in values:
        values["extra_links"] = values.pop("links")
    return build_record(**values)  # type: ignore[arg-type]


def test_add_then_same_record_is_unchanged(catalog: Catalog) -> None:
    first = catalog.upsert([record()])
    again = catalog.upsert([record()])
    assert (first.added, first.unchanged) == (1, 0)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    paper = catalog.get("2403.01234")
    assert paper is not None
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert paper.categories == ["cs.LG", "stat.ML"]
    assert paper.links_of("abs") == ["https://arxiv.org/abs/2403.01234"]
    assert [ref.source for ref in paper.sources] == ["arxiv-oai"]


def test_newer_version_updates_and_older_does_not(catalog: Catalog) -> None:
    catalog.upsert([record(version=2, title="Second title", updated=dt.date(2024, 4, 1))])
    counts = catalog.upsert([record(version=1, title="First title")])
    paper = catalog.get("2403.01234")
    assert paper is not None and paper.title == "Second title" and paper.version == 2
    assert counts.unchanged == 1
    counts = catalog.upsert([record(version=3, title="Third title")])
    assert counts.updated == 1
    assert catalog.get("2403.01234").title == "Third title"  # type: ignore[union-attr]


def test_hf_contribution_merges_into_arxiv_paper(catalog: Catalog) -> None:
    catalog.upsert([record()])
    hf = record(
        source="hf-daily",
        source_record_id="2403.01234",
        authority=Authority.HF_DAILY,
        title="A paper (HF spelling)",
        categories=[],
        version=None,
        listed_on=dt.date(2024, 3, 5),
        links=[Link("code", "https://github.com/org/repo")],
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
    catalog.upsert([record(source="hf-listing", authority=Authority.LISTING, abstract="")])
    catalog.upsert([record(source="hf-daily", authority=Authority.HF_DAILY, abstract="Filled.")])
    paper = catalog.get("2403.01234")
    assert paper is not None and paper.abstract == "Filled."


def test_checkpoint_commits_with_records(catalog: Catalog) -> None:
    catalog.upsert([record()], checkpoint=("job", {"line": 7}))
    assert catalog.checkpoint("job") == {"line": 7}
    catalog.upsert([], checkpoint=("job", {"line": 9}))
    assert catalog.checkpoint("job") == {"line": 9}
    catalog.clear_checkpoint("job")
    assert catalog.checkpoint("job") is None


def test_change_seq_grows_only_on_change(catalog: Catalog) -> None:
    catalog.upsert([record()])
    seq = catalog.get("2403.01234").change_seq  # type: ignore[union-attr]
    catalog.upsert([record()])
    assert catalog.get("2403.01234").change_seq == seq  # type: ignore[union-attr]
    catalog.upsert([record(version=2)])
    assert catalog.get("2403.01234").change_seq > seq  # type: ignore[union-attr]


def test_listing_and_stats(catalog: Catalog) -> None:
    catalog.upsert(
        [
            record(paper_id="2403.00001", listed_on=dt.date(2024, 3, 5)),
            record(paper_id="2403.00002", listed_on=dt.date(2024, 3, 6)),
            record(paper_id="old-style-slug", listed_on=dt.date(2024, 3, 6)),
        ]
    )
    assert catalog.latest_listed_on() == dt.date(2024, 3, 6)
    day = catalog.list_papers(listed_on=dt.date(2024, 3, 6))
    assert [p.id for p in day] == ["2403.00002", "old-style-slug"]
    stats = catalog.stats()
    assert stats["papers"] == 3
    assert stats["by_source"] == {"arxiv-oai": 3}
    assert [p.id for p in catalog.iter_papers(page_size=2)] == [
        "2403.00001",
        "2403.00002",
        "old-style-slug",
    ]


def test_iter_changed_follows_the_change_sequence(catalog: Catalog) -> None:
    catalog.upsert([record(paper_id="2403.00001"), record(paper_id="2403.00002")])
    first_seq = catalog.get("2403.00002").change_seq  # type: ignore[union-attr]
    catalog.upsert([record(paper_id="2403.00003")])
    catalog.upsert([record(paper_id="2403.00001", version=2)])
    assert [p.id for p in catalog.iter_changed(page_size=1)] == [
        "2403.00002",
        "2403.00003",
        "2403.00001",
    ]
    assert [p.id for p in catalog.iter_changed(first_seq)] == ["2403.00003", "2403.00001"]
