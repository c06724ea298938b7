"""What the community made of each paper: upvotes, comments, who submitted it.

Every view (pages, both JSON APIs, feeds) asks here, so a count is the same everywhere:
- upvotes = paperwire's own votes + the upvotes Hugging Face reported (extras["upvotes"]);
- num_comments = paperwire's visible comments (not hidden, not deleted) + HF's numComments;
- submitted_by = the local submitter's username, else HF's submitter;
- github_stars = the latest count a source reported.
HF's figures come from HF's community (its own accounts), paperwire's from this instance's;
they are different people, so adding them counts each vote once (docs/community.md).

One query answers a whole page of papers (no query per paper).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
import sqlalchemy as sa

from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog
from paperwire.db.values import as_utc


@dataclass(frozen=True, slots=True)
class Engagement:
    upvotes: int = 0
    num_comments: int = 0
    # The submitter's user name (HF's submittedBy.name), when anybody submitted the paper.
    submitted_by: str | None = None
    github_stars: int | None = None


@dataclass(slots=True)
class LocalEngagement:
    """This instance's own figures for one paper."""

    upvotes: int = 0
    comments: int = 0
    submitter: str | None = None
    submitted_at: dt.datetime | None = None


@dataclass(slots=True)
class _Totals:
    by_paper: dict[str, LocalEngagement] = field(default_factory=dict)

    def of(self, paper_id: str) -> LocalEngagement:
        return self.by_paper.setdefault(paper_id, LocalEngagement())


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def engagement_from_extras(paper: Paper) -> Engagement:
    """The figures the feeds carried (HF's), without this instance's own."""
    extras = paper.extras
    stars = extras.get("githubStars")
    submitter = extras.get("submitter")
    # HF daily items record the submitter as {"name", "fullname"} (ingest/hf_daily.py).
    if isinstance(submitter, dict):
        submitter = submitter.get("name")
    return Engagement(
        upvotes=_count(extras.get("upvotes")),
        num_comments=_count(extras.get("numComments")),
        submitted_by=submitter if isinstance(submitter, str) and submitter else None,
        github_stars=_count(stars) if stars is not None else None,
    )


# One statement for any number of ids: the ids travel as one parameter (a JSON array on
# SQLite, an array on PostgreSQL), so the SQL text never changes and the driver runs it
# without SQLAlchemy expanding IN lists (the hot path of every page and API call).
_LOCAL_SQL = """
SELECT paper_id, 'v', count(*), CAST(NULL AS VARCHAR(32)), CAST(NULL AS {moment}) FROM votes
 WHERE paper_id IN {ids} GROUP BY paper_id
UNION ALL
SELECT paper_id, 'c', count(*), NULL, NULL FROM comments
 WHERE paper_id IN {ids} AND deleted_at IS NULL AND hidden_at IS NULL GROUP BY paper_id
UNION ALL
SELECT s.paper_id, 's', 0, u.username, s.created_at
  FROM submissions s JOIN users u ON u.id = s.user_id
 WHERE s.paper_id IN {ids} AND s.status <> 'rejected'
"""
_SQLITE_LOCAL = _LOCAL_SQL.format(ids="(SELECT value FROM json_each(?))", moment="TEXT")
_POSTGRES_LOCAL = _LOCAL_SQL.format(ids="(SELECT unnest(%s::text[]))", moment="TIMESTAMPTZ")


def local_engagement(
    connection: sa.Connection, paper_ids: Sequence[str]
) -> dict[str, LocalEngagement]:
    """Votes, visible comments and the submission of each paper: one query."""
    totals = _Totals()
    ids = list(dict.fromkeys(paper_ids))
    if not ids:
        return totals.by_paper
    if connection.dialect.name == "sqlite":
        sql, param = _SQLITE_LOCAL, orjson.dumps(ids).decode()
        rows = connection.exec_driver_sql(sql, (param, param, param))
    else:
        rows = connection.exec_driver_sql(_POSTGRES_LOCAL, (ids, ids, ids))
    for paper_id, kind, number, name, moment in rows:
        local = totals.of(paper_id)
        if kind == "v":
            local.upvotes = int(number)
        elif kind == "c":
            local.comments = int(number)
        else:
            local.submitter = name
            local.submitted_at = as_utc(_datetime(moment))
    return totals.by_paper


def _datetime(value: object) -> dt.datetime:
    # The SQLite driver hands timestamps back as text.
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def combine(paper: Paper, local: LocalEngagement | None) -> Engagement:
    remote = engagement_from_extras(paper)
    if local is None:
        return remote
    return Engagement(
        upvotes=remote.upvotes + local.upvotes,
        num_comments=remote.num_comments + local.comments,
        submitted_by=local.submitter or remote.submitted_by,
        github_stars=remote.github_stars,
    )


def engagement_for(catalog: Catalog, papers: Sequence[Paper]) -> dict[str, Engagement]:
    """Engagement of each paper, by paper id."""
    if not papers:
        return {}
    with catalog.engine.connect() as connection:
        local = local_engagement(connection, [paper.id for paper in papers])
    return {paper.id: combine(paper, local.get(paper.id)) for paper in papers}
