"""huggingface.co's papers API, answered from the catalog, so the unmodified huggingface_hub
client (`HfApi(endpoint="https://paperwire.example")`) lists, reads and searches our papers.

Route order matters, and the table in web/routes.py keeps it: /api/papers/search comes
before /api/papers/{id} (an id may hold a slash, hep-th/9901001, so ids match as paths),
and /papers/{id}.md before the pages' catch-all /papers/{id}. The JSON shapes live in
hf/wire.py; docs/api.md says what each endpoint answers and where we differ from HF.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, HTTPException, Query
from fastapi.responses import Response

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.model import Paper
from paperwire.catalog.periods import Period, PeriodError, PeriodKind, parse_period
from paperwire.catalog.store import Catalog
from paperwire.community.engagement import engagement_for
from paperwire.community.submitters import submitted_by
from paperwire.search.query import QueryError
from paperwire.web.api.models import ErrorOut
from paperwire.web.api.papers import DAY_PATTERN, MONTH_PATTERN, WEEK_PATTERN
from paperwire.web.community_view import trending_list
from paperwire.web.context import SearchUnavailable, WebContext, web_context
from paperwire.web.hf.wire import daily_item, paper_markdown, paper_object, search_item

Context = Annotated[WebContext, Depends(web_context)]

# HF's own bounds (its OpenAPI): daily pages of 1..100 (50 by default), searches of 1..120
# results for a query of at most 250 characters.
DAILY_LIMIT_MAX = 100
DAILY_LIMIT_DEFAULT = 50
SEARCH_LIMIT_MAX = 120
SEARCH_LIMIT_DEFAULT = 50
QUERY_MAX_CHARS = 250
# Far past any real catalog, yet p * limit stays a 64-bit SQL OFFSET.
PAGE_MAX = 1_000_000
ID_MAX_CHARS = 300
SUBMITTER_MAX_CHARS = 200

DailySort = Literal["publishedAt", "trending"]

# What each error of these routes means, for /openapi.json (web/routes.py names the
# statuses each route documents). The bodies are `{"error": message}`, as HF's.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A parameter is invalid."},
    404: {"model": ErrorOut, "description": "No paper has this id."},
    503: {"model": ErrorOut, "description": "The search index is not built yet."},
}


def _or_empty(pattern: str) -> str:
    """`pattern` (anchored) or nothing: an empty date, week or month counts as not given."""
    return f"^({pattern.removeprefix('^').removesuffix('$')})?$"


class MarkdownResponse(Response):
    """A paper as markdown (Starlette adds `; charset=utf-8` to text/ types)."""

    media_type = "text/markdown"


def _json(data: object) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


def daily_papers(
    web: Context,
    p: Annotated[int, Query(ge=0, le=PAGE_MAX, description="Page, from 0")] = 0,
    limit: Annotated[int, Query(ge=1, le=DAILY_LIMIT_MAX)] = DAILY_LIMIT_DEFAULT,
    sort: DailySort = "publishedAt",
    date: Annotated[
        str | None,
        Query(description="YYYY-MM-DD", json_schema_extra={"pattern": _or_empty(DAY_PATTERN)}),
    ] = None,
    week: Annotated[
        str | None,
        Query(
            description="ISO week, YYYY-Www", json_schema_extra={"pattern": _or_empty(WEEK_PATTERN)}
        ),
    ] = None,
    month: Annotated[
        str | None,
        Query(description="YYYY-MM", json_schema_extra={"pattern": _or_empty(MONTH_PATTERN)}),
    ] = None,
    submitter: Annotated[str | None, Query(max_length=SUBMITTER_MAX_CHARS)] = None,
) -> Response:
    """The papers listed on a day, week or month; without one, the latest listing day
    (or, with `submitter`, all that user's papers). sort=trending orders them by trending
    score, as /trending does (for a submitter without a period: within the trending window)."""
    period = _period(web.catalog, date, week, month, everything=bool(submitter))
    query = ListQuery(period=period, submitter=submitter or None, submitter_filter=submitted_by)
    if sort == "trending":
        papers = trending_list(web, query, limit=limit, offset=p * limit).papers
    else:
        papers = web.catalog.list_page(
            query, limit=limit, offset=p * limit, order="published", with_total=False
        ).papers
    engagement = engagement_for(web.catalog, papers)
    return _json([daily_item(paper, engagement[paper.id]) for paper in papers])


def _period(
    catalog: Catalog, date: str | None, week: str | None, month: str | None, *, everything: bool
) -> Period | None:
    asked: tuple[tuple[PeriodKind, str | None], ...] = (
        ("day", date),
        ("week", week),
        ("month", month),
    )
    given = [(kind, text) for kind, text in asked if text]
    if len(given) > 1:
        raise HTTPException(status_code=400, detail="give at most one of date, week and month")
    if given:
        try:
            return parse_period(*given[0])
        except PeriodError as error:
            raise HTTPException(status_code=400, detail=str(error)) from None
    if everything:
        return None
    latest = catalog.latest_listed_on()
    return Period.day(latest) if latest else None


# Before /api/papers/{paper_id:path} in the table, which would otherwise take "search" for an id.
def search_papers(
    web: Context,
    q: Annotated[str, Query(max_length=QUERY_MAX_CHARS)] = "",
    limit: Annotated[int, Query(ge=1, le=SEARCH_LIMIT_MAX)] = SEARCH_LIMIT_DEFAULT,
) -> Response:
    """Papers matching `q` (paperwire's query syntax), best first, by words and meaning."""
    try:
        results = web.searcher.get().search(q, mode="hybrid", limit=limit)
    except SearchUnavailable as error:
        raise HTTPException(status_code=503, detail=str(error)) from None
    except QueryError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    engagement = engagement_for(web.catalog, [result.paper for result in results])
    return _json(
        [search_item(result.paper, engagement[result.id], result.highlights) for result in results]
    )


def paper_info(web: Context, paper_id: str) -> Response:
    paper = _find(web.catalog, paper_id)
    engagement = engagement_for(web.catalog, [paper])[paper.id]
    return _json(paper_object(paper, engagement))


def paper_as_markdown(web: Context, paper_id: str) -> Response:
    paper = _find(web.catalog, paper_id)
    engagement = engagement_for(web.catalog, [paper])[paper.id]
    return MarkdownResponse(paper_markdown(paper, engagement))


def _find(catalog: Catalog, paper_id: str) -> Paper:
    """A paper by id, versioned id (2403.01234v2) or old alias; 404 when there is none."""
    if len(paper_id) <= ID_MAX_CHARS:
        parsed = parse_arxiv_id(paper_id)
        paper = catalog.get(parsed[0] if parsed else paper_id)
        if paper is not None:
            return paper
    raise HTTPException(status_code=404, detail="Paper not found")
