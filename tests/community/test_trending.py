"""Trending: the documented score, its window, ties, paging and breakdowns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from paperwire.catalog.listing import ListQuery
from paperwire.catalog.periods import Period
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.community import comments, votes
from paperwire.community.stars import record_star_counts, star_growth
from paperwire.community.trending import TrendingParams, score, trending_page, trending_scores
from paperwire.config import Settings
from tests.support.community import add_paper, make_user

TODAY = dt.date(2026, 3, 16)  # the FakeClock's day; it is 12:00 UTC
PARAMS = TrendingParams()


def test_the_formula() -> None:
    assert score(PARAMS, upvotes=10, comments=0, age_hours=12) == pytest.approx(10 / 14**1.8)
    assert score(
        PARAMS, upvotes=10, comments=4, submitted_here=True, stars_gained=20, age_hours=0
    ) == (pytest.approx((10 + 0.5 * 4 + 1 + 0.05 * 20) / 2**1.8))
    assert score(PARAMS, upvotes=0, comments=0, age_hours=5) == 0
    assert TrendingParams.from_settings(Settings(trending_gravity=1.2, trending_window_days=3)) == (
        TrendingParams(window_days=3, gravity=1.2)
    )


def _day(offset: int) -> dt.date:
    return TODAY - dt.timedelta(days=offset)


@pytest.fixture
def papers(catalog: Catalog) -> dict[str, str]:
    ids = {
        "fresh": add_paper(catalog, "2603.00001", listed_on=_day(0), extras={"upvotes": 10}),
        "popular": add_paper(
            catalog, "2603.00002", listed_on=_day(1), extras={"upvotes": 30, "numComments": 2}
        ),
        "quiet": add_paper(catalog, "2603.00003", listed_on=_day(2)),
        "harvested": add_paper(catalog, "2603.00004", source="arxiv-oai", submitted=_day(0)),
        "old": add_paper(catalog, "2602.00005", listed_on=_day(9), extras={"upvotes": 500}),
    }
    return ids


def test_page_order_scores_and_breakdowns(catalog: Catalog, papers: dict[str, str]) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    votes.upvote(catalog, ada, papers["harvested"])
    votes.upvote(catalog, bob, papers["harvested"])
    comments.add_comment(catalog, ada, papers["harvested"], "good")
    page = trending_page(catalog, PARAMS)
    assert page.total == 4  # the old paper is outside the 7-day window
    expected = {
        papers["fresh"]: score(PARAMS, upvotes=10, comments=0, age_hours=12),
        papers["popular"]: score(PARAMS, upvotes=30, comments=2, age_hours=36),
        papers["harvested"]: score(PARAMS, upvotes=2, comments=1, age_hours=12),
        papers["quiet"]: 0.0,
    }
    ranked = sorted(expected, key=lambda paper_id: -expected[paper_id])
    assert [p.id for p in page.papers] == ranked
    for paper_id, value in expected.items():
        assert page.breakdowns[paper_id].score == pytest.approx(value)
    shown = page.breakdowns[papers["popular"]]
    assert (shown.upvotes, shown.comments, shown.age_hours, shown.submitted_here) == (
        30,
        2,
        36.0,
        False,
    )


def test_pages_cover_every_paper_once(catalog: Catalog, papers: dict[str, str]) -> None:
    for number in range(6, 16):  # unscored papers fill the pages after the scored ones
        add_paper(catalog, f"2603.{number:05d}", listed_on=_day(number % 3))
    first = trending_page(catalog, PARAMS, limit=5)
    rest = trending_page(catalog, PARAMS, limit=5, offset=5)
    last = trending_page(catalog, PARAMS, limit=5, offset=10)
    seen = [p.id for p in first.papers + rest.papers + last.papers]
    assert len(seen) == len(set(seen)) == first.total == 14
    assert seen[:2] == [papers["fresh"], papers["popular"]]
    unscored = seen[2:]
    listed = [(p.listed_on, p.submitted, p.id) for p in catalog.get_many(unscored)]
    assert listed == sorted(
        listed, key=lambda k: (k[0] or dt.date.min, k[1] or dt.date.min, k[2]), reverse=True
    )
    assert all(last.breakdowns[p.id].score == 0 for p in last.papers)


def test_ties_go_to_the_newer_listing_then_the_larger_id(catalog: Catalog) -> None:
    older = add_paper(catalog, "2603.00010", listed_on=_day(1), extras={"upvotes": 5})
    low = add_paper(catalog, "2603.00011", listed_on=_day(0), extras={"upvotes": 5})
    high = add_paper(catalog, "2603.00012", listed_on=_day(0), extras={"upvotes": 5})
    page = trending_page(catalog, TrendingParams(gravity=0))  # no decay: equal scores
    assert [p.id for p in page.papers] == [high, low, older]


def test_an_explicit_period_and_category(catalog: Catalog) -> None:
    a = add_paper(catalog, "2402.00001", listed_on=dt.date(2024, 2, 1), extras={"upvotes": 1})
    add_paper(catalog, "2402.00002", listed_on=dt.date(2024, 2, 2), categories=["math.AG"])
    query = ListQuery(
        period=Period("week", dt.date(2024, 1, 29), dt.date(2024, 2, 4)), category="cs"
    )
    page = trending_page(catalog, PARAMS, query)
    assert [p.id for p in page.papers] == [a] and page.total == 1


def test_local_submissions_age_from_their_time_and_get_the_boost(
    catalog: Catalog, clock: FakeClock
) -> None:
    from paperwire.community.schema import submissions
    from paperwire.db.connections import writing

    paper_id = add_paper(catalog, "2603.00020", listed_on=TODAY, source="community")
    ada = make_user(catalog, "ada")
    with writing(catalog) as connection:
        connection.execute(
            submissions.insert().values(
                paper_id=paper_id, user_id=ada.id, status="listed", attempts=1,
                created_at=clock.now() - dt.timedelta(hours=3), updated_at=clock.now(),
            )
        )  # fmt: skip
    votes.upvote(catalog, ada, paper_id)
    shown = trending_page(catalog, PARAMS).breakdowns[paper_id]
    assert (shown.upvotes, shown.submitted_here, shown.age_hours) == (1, True, 3.0)
    assert shown.score == pytest.approx(2 / 5**1.8)


def test_star_growth_needs_history(catalog: Catalog, clock: FakeClock) -> None:
    paper_id = add_paper(catalog, "2603.00030", listed_on=_day(1), extras={"githubStars": 100})
    [paper] = catalog.get_many([paper_id])
    assert record_star_counts(catalog, [paper], day=_day(1)) == 1
    with catalog.engine.connect() as connection:
        assert star_growth(connection, [paper_id], _day(6)) == {}  # one count: no growth yet
    add_paper(catalog, "2603.00030", listed_on=_day(1), extras={"githubStars": 160})
    [paper] = catalog.get_many([paper_id])
    record_star_counts(catalog, [paper])
    record_star_counts(catalog, [paper])  # twice a day keeps one count
    with catalog.engine.connect() as connection:
        assert star_growth(connection, [paper_id], _day(6)) == {paper_id: 60}
        assert star_growth(connection, [paper_id], TODAY) == {}
    shown = trending_page(catalog, PARAMS).breakdowns[paper_id]
    assert shown.stars_gained == 60
    assert shown.score == pytest.approx(0.05 * 60 / 38**1.8)
    assert trending_scores(catalog, PARAMS, [paper])[paper_id] == shown


def test_a_page_costs_a_bounded_number_of_queries(catalog: Catalog) -> None:
    ada = make_user(catalog, "ada")
    for number in range(1, 121):
        paper_id = add_paper(
            catalog, f"2603.{number:05d}", listed_on=_day(number % 7), extras={"upvotes": number}
        )
        if number % 10 == 0:
            votes.upvote(catalog, ada, paper_id)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(catalog.engine, "before_cursor_execute", count)
    try:
        page = trending_page(catalog, PARAMS, limit=50, offset=100)
    finally:
        sa.event.remove(catalog.engine, "before_cursor_execute", count)
    assert len(page.papers) == 20 and page.total == 120
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) <= 8, selects
