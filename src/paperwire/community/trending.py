"""Trending: papers of the last days ranked by a score that grows with votes and decays
with age (docs/trending.md has the formula and why).

    score = (upvotes + comment_weight * comments + submission_boost + star_weight * stars_gained)
            / (age_hours + 2) ** gravity

upvotes and comments are engagement_for's (this instance's + HF's); submission_boost counts
for papers submitted here; stars_gained is the GitHub star growth within the window
(community/stars.py; 0 without history). Age runs from the local submission, else from
midnight UTC of the listing day. Ties go to the newer listing, then the larger id: the
catalog's "listed" order, which also orders every paper scoring 0 after the scored ones.

Only papers listed in the window are ranked, and only the engaged ones (listed by a feed or
voted, commented or submitted here since the window began) are scored, with SQL doing the
selecting and counting: a page costs a handful of queries however large the catalog is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from paperwire.accounts.schema import users
from paperwire.catalog import listing
from paperwire.catalog import schema as catalog_schema
from paperwire.catalog.listing import ListOrder, ListQuery
from paperwire.catalog.model import Paper
from paperwire.catalog.periods import Period
from paperwire.catalog.store import Catalog
from paperwire.community.engagement import LocalEngagement, combine, local_engagement
from paperwire.community.schema import comments, submissions, votes
from paperwire.community.stars import star_growth
from paperwire.config import Settings
from paperwire.db.connections import now
from paperwire.db.values import maybe_utc

# The catalog order used where no score applies (and the tie order under the score).
TRENDING_ORDER: ListOrder = "listed"
AGE_OFFSET_HOURS = 2.0
MAX_SCORED = 5000
_papers = catalog_schema.papers


@dataclass(frozen=True, slots=True)
class TrendingParams:
    window_days: int = 7
    gravity: float = 1.8
    comment_weight: float = 0.5
    submission_boost: float = 1.0
    star_weight: float = 0.05

    @classmethod
    def from_settings(cls, settings: Settings) -> TrendingParams:
        return cls(
            window_days=settings.trending_window_days,
            gravity=settings.trending_gravity,
            comment_weight=settings.trending_comment_weight,
            submission_boost=settings.trending_submission_boost,
            star_weight=settings.trending_star_weight,
        )


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Why a paper scores what it does: "12 upvotes, 3 comments, 20 h old"."""

    upvotes: int
    comments: int
    stars_gained: int
    submitted_here: bool
    age_hours: float
    score: float


@dataclass(slots=True)
class TrendingPage:
    papers: list[Paper] = field(default_factory=list)
    breakdowns: dict[str, Breakdown] = field(default_factory=dict)
    total: int = 0


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A paper's figures as the ranking reads them (HF's from extras, plus this instance's)."""

    id: str
    listed_on: dt.date | None
    submitted: dt.date | None
    hf_upvotes: int
    hf_comments: int
    local: LocalEngagement | None


def score(
    params: TrendingParams,
    *,
    upvotes: int,
    comments: int,
    stars_gained: int = 0,
    submitted_here: bool = False,
    age_hours: float,
) -> float:
    points = (
        upvotes
        + params.comment_weight * comments
        + (params.submission_boost if submitted_here else 0.0)
        + params.star_weight * stars_gained
    )
    decay: float = (max(0.0, age_hours) + AGE_OFFSET_HOURS) ** params.gravity
    return points / decay


def _count(value: object) -> int:
    """An HF figure read out of the JSON extras (an int on SQLite, text on PostgreSQL)."""
    if isinstance(value, bool) or value is None:
        return 0
    try:
        number = int(value) if isinstance(value, int | float) else int(str(value))
    except ValueError:
        return 0
    return max(0, number)


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _window(params: TrendingParams, query: ListQuery, today: dt.date) -> tuple[ListQuery, dt.date]:
    if query.period is not None:
        return query, query.period.start
    start = today - dt.timedelta(days=params.window_days - 1)
    return (
        dataclasses.replace(query, period=Period("week", start, today)),
        start,
    )


def _breakdown(
    candidate: _Candidate, gained: int, params: TrendingParams, moment: dt.datetime
) -> Breakdown:
    mine = candidate.local
    start = mine.submitted_at if mine is not None else None
    if start is None and candidate.listed_on is not None:
        start = dt.datetime.combine(candidate.listed_on, dt.time(), dt.UTC)
    age = max(0.0, (moment - start).total_seconds() / 3600) if start else 0.0
    upvotes = candidate.hf_upvotes + (mine.upvotes if mine else 0)
    comment_count = candidate.hf_comments + (mine.comments if mine else 0)
    here = mine is not None and mine.submitter is not None
    return Breakdown(
        upvotes=upvotes,
        comments=comment_count,
        stars_gained=gained,
        submitted_here=here,
        age_hours=round(age, 2),
        score=score(
            params,
            upvotes=upvotes,
            comments=comment_count,
            stars_gained=gained,
            submitted_here=here,
            age_hours=age,
        ),
    )


def _candidates(
    connection: sa.Connection, condition: sa.ColumnElement[bool], since: dt.datetime
) -> list[_Candidate]:
    """Papers matching `condition` that a feed listed, or that were voted, commented or
    submitted here since `since`, with their counts: one query. Activity is found through
    the created_at indexes, so the cost follows the community's activity, not the number
    of papers harvested in the window; the counts are indexed lookups per candidate, and
    HF's JSON figures are read only for feed-listed papers (the others have none)."""
    feed = _papers.c.listed_from_feed.is_(True)
    visible = sa.and_(
        comments.c.paper_id == _papers.c.id,
        comments.c.deleted_at.is_(None),
        comments.c.hidden_at.is_(None),
    )
    live = sa.and_(submissions.c.paper_id == _papers.c.id, submissions.c.status != "rejected")
    active = sa.union(
        sa.select(votes.c.paper_id).where(votes.c.created_at >= since),
        sa.select(comments.c.paper_id).where(comments.c.created_at >= since),
        sa.select(submissions.c.paper_id).where(
            submissions.c.created_at >= since, submissions.c.status != "rejected"
        ),
    )
    rows = connection.execute(
        sa.select(
            _papers.c.id,
            _papers.c.listed_on,
            _papers.c.submitted,
            sa.case((feed, _papers.c.extras["upvotes"].as_string())),
            sa.case((feed, _papers.c.extras["numComments"].as_string())),
            sa.select(sa.func.count()).where(votes.c.paper_id == _papers.c.id).scalar_subquery(),
            sa.select(sa.func.count()).where(visible).scalar_subquery(),
            sa.select(users.c.username)
            .join(submissions, submissions.c.user_id == users.c.id)
            .where(live)
            .scalar_subquery(),
            sa.select(submissions.c.created_at).where(live).scalar_subquery(),
        ).where(condition, feed | _papers.c.id.in_(active.scalar_subquery()))
    ).all()
    return [
        _Candidate(
            id=row[0],
            listed_on=_date(row[1]),
            submitted=_date(row[2]),
            hf_upvotes=_count(row[3]),
            hf_comments=_count(row[4]),
            local=(
                LocalEngagement(
                    upvotes=int(row[5] or 0),
                    comments=int(row[6] or 0),
                    submitter=row[7],
                    submitted_at=maybe_utc(_moment(row[8])),
                )
                if row[5] or row[6] or row[7]
                else None
            ),
        )
        for row in rows
    ]


def _moment(value: object) -> dt.datetime | None:
    # A scalar subquery's timestamp comes back as text from SQLite.
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _tie_order(candidates: list[_Candidate]) -> list[_Candidate]:
    """The catalog's "listed" order: newer listing, newer submission, larger id first."""
    ordered = sorted(candidates, key=lambda c: c.id, reverse=True)
    return sorted(
        ordered,
        key=lambda c: (
            -(c.listed_on.toordinal() if c.listed_on else 0),
            -(c.submitted.toordinal() if c.submitted else 0),
        ),
    )


def trending_page(
    catalog: Catalog,
    params: TrendingParams,
    query: ListQuery | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
) -> TrendingPage:
    """One page of the papers `query` selects (default: listed in the last window_days up
    to today), highest score first, with each paper's breakdown and the total count."""
    moment = now(catalog)
    selected, since = _window(params, query or ListQuery(), moment.date())
    condition = listing.where(selected)
    since_moment = dt.datetime.combine(since, dt.time(), dt.UTC)
    with catalog.engine.connect() as connection:
        candidates = _candidates(connection, condition, since_moment)
        growth = star_growth(connection, None, since) if params.star_weight else {}
        measured = {c.id: _breakdown(c, growth.get(c.id, 0), params, moment) for c in candidates}
        ranked = sorted(
            (c for c in _tie_order(candidates) if measured[c.id].score > 0),
            key=lambda c: -measured[c.id].score,
        )[:MAX_SCORED]
        total = int(
            connection.execute(
                sa.select(sa.func.count()).select_from(_papers).where(condition)
            ).scalar_one()
        )
        page_ids = [c.id for c in ranked[offset : offset + limit]]
        if len(page_ids) < limit and offset + limit > len(ranked):
            # The page runs past the scored papers: the rest follow in listed order.
            rest = connection.execute(
                sa.select(_papers.c.id)
                .where(condition, _papers.c.id.not_in([c.id for c in ranked]))
                .order_by(*listing.ordering(TRENDING_ORDER))
                .limit(limit - len(page_ids))
                .offset(max(0, offset - len(ranked)))
            ).scalars()
            page_ids += [str(paper_id) for paper_id in rest]
    papers = catalog.get_many(page_ids)
    missing = [paper for paper in papers if paper.id not in measured]
    if missing:
        measured.update(trending_scores(catalog, params, missing, since=since))
    return TrendingPage(papers, {paper.id: measured[paper.id] for paper in papers}, total)


def trending_scores(
    catalog: Catalog,
    params: TrendingParams,
    papers: Sequence[Paper],
    *,
    since: dt.date | None = None,
) -> dict[str, Breakdown]:
    """The breakdown of any papers (search results sorted by trending, a feed); star growth
    counts from `since` (default: the window ending today)."""
    if not papers:
        return {}
    moment = now(catalog)
    start = since or moment.date() - dt.timedelta(days=params.window_days - 1)
    ids = [paper.id for paper in papers]
    with catalog.engine.connect() as connection:
        local = local_engagement(connection, ids)
        growth = star_growth(connection, ids, start) if params.star_weight else {}
    result: dict[str, Breakdown] = {}
    for paper in papers:
        remote = combine(paper, None)
        candidate = _Candidate(
            paper.id,
            paper.listed_on,
            paper.submitted,
            remote.upvotes,
            remote.num_comments,
            local.get(paper.id),
        )
        result[paper.id] = _breakdown(candidate, growth.get(paper.id, 0), params, moment)
    return result


def trending_scorer(
    catalog: Catalog, params: TrendingParams
) -> Callable[[Sequence[Paper]], dict[str, float]]:
    """Trending scores as the search room takes them (`Searcher(trending_scorer=...)`)."""

    def score(papers: Sequence[Paper]) -> dict[str, float]:
        return {key: value.score for key, value in trending_scores(catalog, params, papers).items()}

    return score
