"""GitHub star counts over time, so trending can use how many stars a paper's code gained.

Sources report a current count (HF's githubStars, kept in extras); `record_star_counts`
keeps one count per paper and day (the worker calls it after a harvest). Growth over a
window is the last count minus the first count recorded in it: with fewer than two counts
there is no growth to tell, and stars do not move the score (docs/trending.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog
from paperwire.community.schema import star_counts
from paperwire.db.connections import now, upsert, writing


def reported_stars(paper: Paper) -> int | None:
    value = paper.extras.get("githubStars")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def record_star_counts(
    catalog: Catalog, papers: Sequence[Paper], *, day: dt.date | None = None
) -> int:
    """Keep today's (or `day`'s) reported star count of each paper that has one."""
    on = day or now(catalog).date()
    counts = {paper.id: stars for paper in papers if (stars := reported_stars(paper)) is not None}
    if not counts:
        return 0
    with writing(catalog) as connection:
        for paper_id, stars in counts.items():
            connection.execute(
                upsert(
                    connection,
                    star_counts,
                    ["paper_id", "day"],
                    {"paper_id": paper_id, "day": on, "stars": stars},
                )
            )
    return len(counts)


def star_growth(
    connection: sa.Connection, paper_ids: Sequence[str] | None, since: dt.date
) -> dict[str, int]:
    """Stars gained since `since`: the last count minus the first count on or after it, for
    papers counted on two days or more in that time (all such papers when paper_ids is
    None). The database pairs the counts; one row per paper comes back."""
    span = sa.select(
        star_counts.c.paper_id,
        sa.func.min(star_counts.c.day).label("first_day"),
        sa.func.max(star_counts.c.day).label("last_day"),
    ).where(star_counts.c.day >= since)
    if paper_ids is not None:
        ids = list(dict.fromkeys(paper_ids))
        if not ids:
            return {}
        span = span.where(star_counts.c.paper_id.in_(ids))
    spans = (
        span.group_by(star_counts.c.paper_id)
        .having(sa.func.min(star_counts.c.day) < sa.func.max(star_counts.c.day))
        .subquery()
    )
    first, last = star_counts.alias("first_count"), star_counts.alias("last_count")
    rows = connection.execute(
        sa.select(spans.c.paper_id, last.c.stars - first.c.stars)
        .join(first, (first.c.paper_id == spans.c.paper_id) & (first.c.day == spans.c.first_day))
        .join(last, (last.c.paper_id == spans.c.paper_id) & (last.c.day == spans.c.last_day))
    )
    return {str(paper_id): max(0, int(gained)) for paper_id, gained in rows}
