"""Queries behind every list of papers: a period's papers, paged, with a stable order.

The pages, the HF-compatible API, paperwire's own API and the feeds all list through here,
so they agree on what "the papers of 2026-W11" are and in which order they come.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import sqlalchemy as sa

from paperwire.catalog import schema
from paperwire.catalog.model import Paper
from paperwire.catalog.periods import Period
from paperwire.db.values import as_date

SubmitterFilter = Callable[[str], sa.ColumnElement[bool]]
ListOrder = Literal["published", "listed"]
LIST_ORDERS: tuple[ListOrder, ...] = ("published", "listed")

_papers = schema.papers
# Expression indexes that serve `ordering()` (migration 0005). SQLAlchemy metadata cannot
# declare them for both backends (PostgreSQL needs NULLS LAST, SQLite refuses it), so they
# live in the migration only, and schema comparisons leave them out.
ORDER_INDEXES = ("ix_papers_published_order", "ix_papers_listed_order")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Which papers: listed within `period` (any time when None), optionally in a category
    (a prefix such as "cs" or an exact "cs.CL") or submitted by someone.

    `submitter_filter` turns a submitter's name into the condition that selects their papers;
    without one only Hugging Face's submitter field is looked at (the community room's
    `submitted_by` adds the papers submitted on this site)."""

    period: Period | None = None
    category: str | None = None
    submitter: str | None = None
    submitter_filter: SubmitterFilter | None = field(default=None, compare=False)


@dataclass(slots=True)
class ListPage:
    papers: list[Paper] = field(default_factory=list)
    total: int = 0


def where(query: ListQuery) -> sa.ColumnElement[bool]:
    # "= false", not "IS false": PostgreSQL can use an index only for the former.
    conditions: list[sa.ColumnElement[bool]] = [_papers.c.withdrawn == sa.false()]
    if query.period is not None:
        conditions.append(_papers.c.listed_on.between(query.period.start, query.period.end))
    if query.category:
        # primary_category is the first category; a paper cross-listed elsewhere is found by
        # its primary one (as arXiv's own listings do).
        category = query.category
        if "." in category:
            conditions.append(_papers.c.primary_category == category)
        else:
            conditions.append(
                (_papers.c.primary_category == category)
                | _papers.c.primary_category.startswith(category + ".", autoescape=True)
            )
    if query.submitter:
        # Who submitted what on this site is the community's to say: it passes its filter in.
        by = query.submitter_filter or submitted_on_hf
        conditions.append(by(query.submitter))
    return sa.and_(*conditions)


def submitted_on_hf(name: str) -> sa.ColumnElement[bool]:
    """Papers whose Hugging Face listing names `name` as the submitter (HF daily items record
    it as {"name", "fullname"}, ingest/hf_daily.py)."""
    submitter: sa.ColumnElement[str] = _papers.c.extras[("submitter", "name")].as_string()
    return submitter == name


def ordering(order: ListOrder) -> list[sa.ColumnElement[object]]:
    """A total order (id last), so pages never repeat or skip a paper between requests."""
    if order == "listed":
        return [
            _papers.c.listed_on.desc().nulls_last(),
            _papers.c.submitted.desc().nulls_last(),
            _papers.c.id.desc(),
        ]
    # A listing-only paper has no arXiv date: its listing day stands in (as in HF's
    # publishedAt), so it does not sink below decades-old papers.
    published = sa.func.coalesce(_papers.c.submitted, _papers.c.listed_on)
    return [
        published.desc().nulls_last(),
        _papers.c.listed_on.desc().nulls_last(),
        _papers.c.id.desc(),
    ]


@dataclass(frozen=True, slots=True)
class Calendar:
    """Where a period sits among the listing days: the nearest days with papers before and
    after it (previous/next links), and the first and latest listing days (a date picker)."""

    before: dt.date | None
    after: dt.date | None
    first: dt.date | None
    latest: dt.date | None


def _calendar_statement() -> sa.Select[dt.date, dt.date, dt.date, dt.date]:
    listed = _papers.c.listed_on
    visible = _papers.c.withdrawn == sa.false()

    def edge(
        aggregate: Callable[[sa.ColumnElement[dt.date]], sa.ColumnElement[dt.date]],
        *where: sa.ColumnElement[bool],
    ) -> sa.ScalarSelect[dt.date]:
        return sa.select(aggregate(listed)).where(*where).scalar_subquery()

    return sa.select(
        edge(sa.func.max, visible, listed < sa.bindparam("start", type_=sa.Date)),
        edge(sa.func.min, visible, listed > sa.bindparam("end", type_=sa.Date)),
        edge(sa.func.min, visible, listed > dt.date.min),
        edge(sa.func.max),
    )


# Built once: SQLAlchemy then finds its compiled form without rebuilding the four
# subqueries and their cache key on every page.
_CALENDAR = _calendar_statement()


def calendar(connection: sa.Connection, start: dt.date, end: dt.date) -> Calendar:
    """The Calendar of the days start..end, in one statement (a listing page asks for all
    four, and each round trip costs more than the indexed lookup it carries)."""
    row = connection.execute(_CALENDAR, {"start": start, "end": end}).one()
    return Calendar(*(as_date(value) for value in row))


def primary_categories(engine: sa.Engine, limit: int) -> list[str]:
    """The primary categories of the catalog's papers, the most common first (what a reader
    can follow)."""
    count = sa.func.count()
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(_papers.c.primary_category, count)
            .where(_papers.c.primary_category.is_not(None))
            .group_by(_papers.c.primary_category)
            .order_by(count.desc(), _papers.c.primary_category)
            .limit(limit)
        ).all()
    return [str(row[0]) for row in rows]
