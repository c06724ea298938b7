"""The Catalog on SQLite and PostgreSQL: idempotence, checkpoints, change sequence, reads.

The merge rules have their own module, tests/catalog/test_merge.py."""

from __future__ import annotations

import datetime as dt

from paperwire.catalog.store import Catalog
from tests.support.factories import make_record


def test_add_then_same_record_is_unchanged(catalog: Catalog) -> None:
    first = catalog.upsert([make_record()])
    again = catalog.upsert([make_record()])
    assert (first.added, first.unchanged) == (1, 0)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    paper = catalog.get("2403.01234")
    assert paper is not None
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert paper.categories == ["cs.LG", "stat.ML"]
    assert paper.links_of("abs") == ["https://arxiv.org/abs/2403.01234"]
    assert [ref.source for ref in paper.sources] == ["arxiv-oai"]


def test_checkpoint_commits_with_records(catalog: Catalog) -> None:
    catalog.upsert([make_record()], checkpoint=("job", {"line": 7}))
    assert catalog.checkpoint("job") == {"line": 7}
    catalog.upsert([], checkpoint=("job", {"line": 9}))
    assert catalog.checkpoint("job") == {"line": 9}
    catalog.clear_checkpoint("job")
    assert catalog.checkpoint("job") is None


def test_change_seq_grows_only_on_change(catalog: Catalog) -> None:
    catalog.upsert([make_record()])
    seq = catalog.get("2403.01234").change_seq  # type: ignore[union-attr]
    catalog.upsert([make_record()])
    assert catalog.get("2403.01234").change_seq == seq  # type: ignore[union-attr]
    catalog.upsert([make_record(version=2)])
    assert catalog.get("2403.01234").change_seq > seq  # type: ignore[union-attr]


def test_listing_and_stats(catalog: Catalog) -> None:
    catalog.upsert(
        [
            make_record(raw_id="2403.00001", listed_on=dt.date(2024, 3, 5)),
            make_record(raw_id="2403.00002", listed_on=dt.date(2024, 3, 6)),
            make_record(raw_id=None, title="Old style slug", listed_on=dt.date(2024, 3, 6)),
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
    catalog.upsert([make_record(raw_id="2403.00001"), make_record(raw_id="2403.00002")])
    first_seq = catalog.get("2403.00002").change_seq  # type: ignore[union-attr]
    catalog.upsert([make_record(raw_id="2403.00003")])
    catalog.upsert([make_record(raw_id="2403.00001", version=2)])
    assert [p.id for p in catalog.iter_changed(page_size=1)] == [
        "2403.00002",
        "2403.00003",
        "2403.00001",
    ]
    assert [p.id for p in catalog.iter_changed(first_seq)] == ["2403.00003", "2403.00001"]
