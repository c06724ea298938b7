"""Listing pages: periods, categories, submitters, stable order and totals (both backends)."""

from __future__ import annotations

import datetime as dt

from paperwire.catalog.listing import Calendar, ListQuery, primary_categories
from paperwire.catalog.model import Authority
from paperwire.catalog.periods import parse_day, parse_month, parse_week
from paperwire.catalog.store import Catalog
from paperwire.ingest.records import build_record


def _paper(number: int, listed_on: dt.date, category: str, submitter: str | None = None):  # type: ignore[no-untyped-def]
    return build_record(
        source="hf-daily",
        source_record_id=f"2403.{number:05d}",
        authority=Authority.HF_DAILY,
        raw_id=f"2403.{number:05d}",
        title=f"Paper number {number}",
        abstract="Words.",
        categories=[category],
        submitted=listed_on - dt.timedelta(days=number % 3),
        listed_on=listed_on,
        extras={"submitter": {"name": submitter, "fullname": submitter.title()}}
        if submitter
        else None,
    )


def _fill(catalog: Catalog) -> None:
    records = []
    for number in range(1, 31):
        day = dt.date(2024, 3, 1) + dt.timedelta(days=number % 10)  # 10 days, 3 papers each
        category = ("cs.CL", "cs.CV", "hep-th")[number % 3]
        records.append(_paper(number, day, category, "alice" if number % 5 == 0 else None))
    catalog.upsert(records)


def test_a_day_week_and_month(catalog: Catalog) -> None:
    _fill(catalog)
    day = catalog.list_page(ListQuery(period=parse_day("2024-03-05")))
    assert day.total == 3 and {p.listed_on for p in day.papers} == {dt.date(2024, 3, 5)}
    week = catalog.list_page(ListQuery(period=parse_week("2024-W10")))  # Mar 4 - Mar 10
    assert week.total == 21
    assert catalog.list_page(ListQuery(period=parse_month("2024-03"))).total == 30
    assert catalog.list_page(ListQuery(period=parse_month("2024-04"))).papers == []


def test_pages_are_stable_and_do_not_overlap(catalog: Catalog) -> None:
    _fill(catalog)
    for order in ("published", "listed"):
        seen: list[str] = []
        for offset in range(0, 30, 7):
            page = catalog.list_page(ListQuery(), limit=7, offset=offset, order=order)  # type: ignore[arg-type]
            assert page.total == 30
            seen.extend(paper.id for paper in page.papers)
        assert len(seen) == len(set(seen)) == 30
        whole = catalog.list_page(ListQuery(), limit=30, order=order)  # type: ignore[arg-type]
        assert [paper.id for paper in whole.papers] == seen
    listed = catalog.list_page(ListQuery(), limit=30, order="listed").papers
    days = [paper.listed_on for paper in listed]
    assert days == sorted(days, reverse=True)  # type: ignore[type-var]


def test_total_past_the_end_and_on_a_partial_last_page(catalog: Catalog) -> None:
    _fill(catalog)
    assert catalog.list_page(ListQuery(), limit=20, offset=20).total == 30
    beyond = catalog.list_page(ListQuery(), limit=20, offset=100)
    assert beyond.papers == [] and beyond.total == 30


def test_category_prefix_exact_and_submitter(catalog: Catalog) -> None:
    _fill(catalog)
    assert catalog.list_page(ListQuery(category="cs")).total == 20
    assert catalog.list_page(ListQuery(category="cs.CL")).total == 10
    assert catalog.list_page(ListQuery(category="hep-th")).total == 10
    assert catalog.list_page(ListQuery(category="c")).total == 0  # a prefix is a whole part
    assert catalog.list_page(ListQuery(category="cs%")).total == 0  # LIKE wildcards escaped
    alice = catalog.list_page(ListQuery(submitter="alice"), limit=50)
    assert alice.total == 6 and all(p.extras["submitter"]["name"] == "alice" for p in alice.papers)
    assert catalog.list_page(ListQuery(submitter="bob")).total == 0


def test_sources_only_when_asked(catalog: Catalog) -> None:
    _fill(catalog)
    assert catalog.list_page(ListQuery(), limit=1).papers[0].sources == []
    paper = catalog.list_page(ListQuery(), limit=1, with_sources=True).papers[0]
    assert [ref.source for ref in paper.sources] == ["hf-daily"]


def test_calendar_skips_empty_days(catalog: Catalog) -> None:
    catalog.upsert(
        [
            _paper(1, dt.date(2024, 3, 1), "cs.CL"),
            _paper(2, dt.date(2024, 3, 8), "cs.CL"),
            _paper(3, dt.date(2024, 3, 11), "cs.CL"),
        ]
    )
    week = catalog.calendar(dt.date(2024, 3, 4), dt.date(2024, 3, 10))
    assert week == Calendar(
        before=dt.date(2024, 3, 1),
        after=dt.date(2024, 3, 11),
        first=dt.date(2024, 3, 1),
        latest=dt.date(2024, 3, 11),
    )
    first_day = catalog.calendar(dt.date(2024, 3, 1), dt.date(2024, 3, 1))
    assert (first_day.before, first_day.after) == (None, dt.date(2024, 3, 8))
    last_day = catalog.calendar(dt.date(2024, 3, 11), dt.date(2024, 3, 11))
    assert (last_day.before, last_day.after) == (dt.date(2024, 3, 8), None)


def test_calendar_of_an_empty_catalog(catalog: Catalog) -> None:
    assert catalog.calendar(dt.date(2024, 3, 1), dt.date(2024, 3, 1)) == Calendar(
        None, None, None, None
    )


def test_whole_catalog_orders_read_an_index_not_a_sort(sqlite_catalog: Catalog) -> None:
    """Migration 0005's expression indexes match ordering(): page 1 of 2.7M papers must not
    sort them all."""
    import sqlalchemy as sa

    from paperwire.catalog import listing, schema

    for order in listing.LIST_ORDERS:
        query = (
            sa.select(schema.papers.c.id)
            .where(listing.where(ListQuery()))
            .order_by(*listing.ordering(order))
            .limit(20)
        )
        sql = str(query.compile(sqlite_catalog.engine, compile_kwargs={"literal_binds": True}))
        with sqlite_catalog.engine.connect() as connection:
            plan = " ".join(
                str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            )
        assert "TEMP B-TREE" not in plan and "_order" in plan, (order, plan)


def test_list_totals_count_from_an_index(sqlite_catalog: Catalog) -> None:
    """A page's total must not read every paper row (abstracts and all)."""
    import sqlalchemy as sa

    from paperwire.catalog import listing, schema

    for query in (
        ListQuery(),
        ListQuery(period=parse_week("2024-W10")),
        ListQuery(category="cs.CL"),
    ):
        count = sa.select(sa.func.count()).select_from(schema.papers).where(listing.where(query))
        sql = str(count.compile(sqlite_catalog.engine, compile_kwargs={"literal_binds": True}))
        with sqlite_catalog.engine.connect() as connection:
            plan = " ".join(
                str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            )
        assert "INDEX" in plan, (query, plan)


def test_primary_categories_most_common_first(catalog: Catalog) -> None:
    _fill(catalog)
    day = dt.date(2024, 3, 20)
    catalog.upsert([_paper(number, day, "cs.CL") for number in range(40, 43)])
    assert primary_categories(catalog.engine, limit=10) == ["cs.CL", "cs.CV", "hep-th"]
    assert primary_categories(catalog.engine, limit=1) == ["cs.CL"]
