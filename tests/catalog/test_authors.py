"""catalog/authors.py on both databases: exact names (quotes, backslashes, Unicode, LIKE
wildcards), newest first, paged, withdrawn papers left out, co-authors counted."""

from __future__ import annotations

import datetime as dt
import time

from paperwire.catalog.authors import author_page
from paperwire.catalog.model import PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.ingest.records import deleted_record
from tests.support.factories import make_record

HOSTILE = 'O\'Brien "Bob" \\ 100%_x — Zoë 李'


def _record(number: int, authors: list[str], day: int, **extra: object) -> PaperRecord:
    return make_record(
        raw_id=f"2403.{number:05d}",
        title=f"Paper number {number}",
        authors=authors,
        listed_on=dt.date(2024, 3, day),
        **extra,
    )


def test_author_page_matches_names_exactly_newest_first(catalog: Catalog) -> None:
    catalog.upsert(
        [
            _record(1, [HOSTILE, "Ada Lovelace"], 1),
            _record(2, ["Ada Lovelace", HOSTILE, "Alan Turing"], 3),
            _record(3, ["O'Brien", "100%"], 2),  # near misses
            _record(4, ["Ada Lovelace"], 4),
        ]
    )
    page = author_page(catalog, HOSTILE)
    assert [paper.id for paper in page.papers] == ["2403.00002", "2403.00001"]
    assert page.total == 2
    assert [(c.name, c.papers) for c in page.coauthors] == [
        ("Ada Lovelace", 2),
        ("Alan Turing", 1),
    ]
    second = author_page(catalog, "Ada Lovelace", limit=2, offset=2)
    assert [paper.id for paper in second.papers] == ["2403.00001"]
    assert second.total == 3
    assert author_page(catalog, "100%_").total == 0
    assert author_page(catalog, "%").total == 0


def test_author_page_leaves_out_withdrawn_papers(catalog: Catalog) -> None:
    catalog.upsert(
        [
            _record(1, ["Ada Lovelace"], 1),
            _record(2, ["Ada Lovelace"], 2),
        ]
    )
    catalog.upsert([deleted_record("arxiv-oai", "oai:arXiv.org:2403.00002", "2403.00002")])
    page = author_page(catalog, "Ada Lovelace")
    assert [paper.id for paper in page.papers] == ["2403.00001"]


def test_author_page_is_fast_at_twenty_thousand_papers(sqlite_catalog: Catalog) -> None:
    records = [
        _record(n, [f"Author {n % 997}", f"Author {n % 13}"], 1 + n % 28) for n in range(20_000)
    ]
    sqlite_catalog.upsert(records)
    started = time.perf_counter()
    page = author_page(sqlite_catalog, "Author 5")
    elapsed = time.perf_counter() - started
    assert page.total > 0
    # Measured at about 0.1 s on SQLite (a full scan through json_each); a page must not
    # take seconds.
    assert elapsed < 1.5, elapsed
