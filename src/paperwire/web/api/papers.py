"""paperwire's own JSON API, /api/v1: listings, papers, similar papers, search, feeds, stats.

Thin routes: parse and validate the query, call the catalog or the searcher, build the
response models of api/models.py. Errors are `{"error": message}` (errors.py), with 400 for
a bad parameter, 404 for an unknown paper and 503 while no search index exists.

Route order (web/routes.py): `/api/v1/papers/{id}/similar` comes before the catch-all
`/api/v1/papers/{id}` (ids may contain a slash, hep-th/9901001, so the catch-all would
otherwise take ".../similar" as part of the id). No paper id ends in "/similar".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import Response

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.listing import ListOrder, ListQuery
from paperwire.catalog.model import Paper
from paperwire.catalog.periods import Period, PeriodError, PeriodKind, parse_period
from paperwire.catalog.store import Catalog
from paperwire.community.engagement import engagement_for
from paperwire.community.submitters import submitted_by
from paperwire.search.filters import SearchFilters
from paperwire.search.index_dir import IndexDirectory
from paperwire.search.indexes import index_root
from paperwire.search.query import QueryError
from paperwire.search.searcher import Mode, Searcher, SearchResult, Sort
from paperwire.web.api.models import (
    ErrorOut,
    Highlights,
    IndexState,
    PaperList,
    PaperOut,
    SearchHit,
    SearchResponse,
    SimilarHit,
    SimilarResponse,
    StatsOut,
    feeds_info,
    json_response,
    paper_out,
    site_base,
)
from paperwire.web.community_view import trending_list
from paperwire.web.context import SearchUnavailable, WebContext, web_context

Context = Annotated[WebContext, Depends(web_context)]

MAX_LIMIT = 100
MAX_LIST_OFFSET = 10_000
# A search ranks offset + limit candidates and loads each one: deep pages cost more.
MAX_SEARCH_OFFSET = 1_000
MAX_SIMILAR = 50
# More upvotes than any paper has, and inside every column and index that counts them.
MAX_UPVOTES = 2**31 - 1
# As arXiv spells them: cs, hep-th, cs.CL, cond-mat.mes-hall.
CATEGORY = re.compile(r"[A-Za-z][A-Za-z-]*(?:\.[A-Za-z][A-Za-z-]*)?")
# The forms the library reads, as /openapi.json states them (anchored: JSON Schema patterns
# match anywhere). Stated, not checked by FastAPI: the library's checks answer 400 with
# a message that says what is wrong.
CATEGORY_PATTERN = f"^{CATEGORY.pattern}$"
_CATEGORIES = r"(\s*,)*\s*"
CATEGORIES_PATTERN = (
    f"^{_CATEGORIES}({CATEGORY.pattern}(\\s*,{_CATEGORIES}{CATEGORY.pattern})*)?{_CATEGORIES}$"
)
# The periods catalog/periods.py reads. What a pattern cannot say answers 400 all the
# same: a day past the month's last, W53 of a year with 52 weeks.
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
WEEK_PATTERN = r"^[0-9]{4}-W[0-9]{2}$"
MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"
# search/filters.py date ranges: 2024-03-01..2024-03-31, 2024-03.., ..2024, 2024-03-14.
_PART = r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
DATE_RANGE_PATTERN = rf"^\s*({_PART}|({_PART})?\s*\.\.\s*({_PART})?)?\s*$"

# What each error of these routes means, for /openapi.json (web/routes.py names the
# statuses each route documents).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A parameter is invalid."},
    404: {"model": ErrorOut, "description": "No paper has this id."},
    503: {"model": ErrorOut, "description": "The search index is not built yet."},
}

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-100).")]


def bad_request(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


def search_filters(
    submitted: Annotated[
        str | None,
        Query(
            max_length=50,
            json_schema_extra={"pattern": DATE_RANGE_PATTERN},
            description="Submission dates: 2024-03-01..2024-03-31, 2024-03.., ..2024, 2024-03-14.",
        ),
    ] = None,
    listed_on: Annotated[
        str | None,
        Query(
            max_length=50,
            json_schema_extra={"pattern": DATE_RANGE_PATTERN},
            description="Listing dates, same forms as submitted.",
        ),
    ] = None,
    categories: Annotated[
        str | None,
        Query(
            max_length=500,
            json_schema_extra={"pattern": CATEGORIES_PATTERN},
            description="Comma-separated, any of: cs.CL,cs.LG; an archive (cs) matches all of it.",
        ),
    ] = None,
    has_code: Annotated[
        bool | None, Query(description="Only papers with (true) or without (false) code.")
    ] = None,
    # Bounded: the keyword index holds counts as 64-bit integers (a larger bound was a 500).
    min_upvotes: Annotated[
        int | None, Query(ge=0, le=MAX_UPVOTES, description="At least this many.")
    ] = None,
) -> SearchFilters:
    """The structured search filters as query parameters (the API and the search feeds)."""
    try:
        return SearchFilters.parse(
            submitted=submitted,
            listed_on=listed_on,
            categories=categories,
            has_code=has_code,
            min_upvotes=min_upvotes,
        )
    except QueryError as error:
        raise bad_request(str(error)) from None


Filters = Annotated[SearchFilters, Depends(search_filters)]


def open_searcher(web: WebContext) -> Searcher:
    try:
        return web.searcher.get()
    except SearchUnavailable as error:
        raise HTTPException(status_code=503, detail=str(error)) from None


def find_paper(catalog: Catalog, paper_id: str) -> Paper:
    """By id, versioned id (0704.0001v2), arXiv URL or an old slug alias; 404 otherwise."""
    parsed = parse_arxiv_id(paper_id)
    paper = catalog.get(parsed[0] if parsed else paper_id)
    if paper is None:
        raise HTTPException(status_code=404, detail="No such paper")
    return paper


def papers_out(catalog: Catalog, papers: list[Paper], base: str) -> list[PaperOut]:
    engagement = engagement_for(catalog, papers)
    return [paper_out(paper, engagement[paper.id], base) for paper in papers]


def _next_url(request: Request, base: str, offset: int) -> str:
    url = request.url.include_query_params(offset=offset)
    return f"{base}{url.path}?{url.query}"


def _period(date: str | None, week: str | None, month: str | None) -> Period | None:
    named: tuple[tuple[PeriodKind, str | None], ...] = (
        ("day", date),
        ("week", week),
        ("month", month),
    )
    given = [(kind, text) for kind, text in named if text is not None]
    if len(given) > 1:
        raise bad_request("give at most one of date, week and month")
    if not given:
        return None
    try:
        return parse_period(*given[0])
    except PeriodError as error:
        raise bad_request(str(error)) from None


def list_papers(
    request: Request,
    web: Context,
    date: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": DAY_PATTERN},
            description="Listed on this day (YYYY-MM-DD).",
        ),
    ] = None,
    week: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": WEEK_PATTERN},
            description="Listed in this ISO week (2026-W11).",
        ),
    ] = None,
    month: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": MONTH_PATTERN},
            description="Listed in this month (2026-03).",
        ),
    ] = None,
    category: Annotated[
        str | None,
        Query(
            max_length=64,
            json_schema_extra={"pattern": CATEGORY_PATTERN},
            description="Primary category: an archive (cs) or exact (cs.CL).",
        ),
    ] = None,
    submitter: Annotated[
        str | None, Query(max_length=100, description="Submitted by this user name.")
    ] = None,
    order: Annotated[
        Literal["published", "listed", "trending"],
        Query(
            description="published: newest arXiv date first (the listing day for papers "
            "without one); listed: newest listing day first; trending: highest trending "
            "score first (as /trending; without date, week or month: the papers of the "
            "trending window)."
        ),
    ] = "published",
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_LIST_OFFSET)] = 0,
) -> Response:
    """Papers listed in a day, week or month (any time when none is given), optionally in a
    category or from one submitter, a page at a time.

    The order is total (ties broken by id), so paging with `offset` (or following `next`)
    never repeats or skips a paper while the catalog does not change."""
    period = _period(date, week, month)
    if category is not None and not CATEGORY.fullmatch(category):
        raise bad_request(f"invalid category {category!r} (expected e.g. cs or cs.CL)")
    query = ListQuery(
        period=period, category=category, submitter=submitter, submitter_filter=submitted_by
    )
    if order == "trending":
        ranked = trending_list(web, query, limit=limit, offset=offset)
        papers, total = ranked.papers, ranked.total
    else:
        list_order: ListOrder = order
        page = web.catalog.list_page(query, limit=limit, offset=offset, order=list_order)
        papers, total = page.papers, page.total
    base = site_base(request, web.settings)
    following = offset + limit
    has_next = following < total and following <= MAX_LIST_OFFSET
    return json_response(
        PaperList(
            items=papers_out(web.catalog, papers, base),
            total=total,
            limit=limit,
            offset=offset,
            next=_next_url(request, base, following) if has_next else None,
        )
    )


def similar_papers(
    request: Request,
    web: Context,
    paper_id: str,
    limit: Annotated[int, Query(ge=1, le=MAX_SIMILAR)] = 10,
) -> Response:
    """The nearest papers by meaning when vectors are indexed; otherwise (or when this
    paper has no vector yet) the papers that best match its title's words. Never the paper
    itself."""
    paper = find_paper(web.catalog, paper_id)
    searcher = open_searcher(web)
    results, method = searcher.related(paper, limit)
    hits = [(result.paper, result.score) for result in results]
    base = site_base(request, web.settings)
    papers = papers_out(web.catalog, [hit[0] for hit in hits], base)
    return json_response(
        SimilarResponse(
            paper_id=paper.id,
            method=method,
            limit=limit,
            items=[
                SimilarHit(paper=out, score=hit[1]) for out, hit in zip(papers, hits, strict=True)
            ],
        )
    )


def get_paper(request: Request, web: Context, paper_id: str) -> Response:
    """A paper by id: `2403.01234`, a versioned `2403.01234v2`, an old-style
    `hep-th/9901001` (the slash stays unencoded), a title slug, or an id it had before two
    records were merged."""
    paper = find_paper(web.catalog, paper_id)
    base = site_base(request, web.settings)
    return json_response(papers_out(web.catalog, [paper], base)[0])


def search(
    request: Request,
    web: Context,
    filters: Filters,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=2000,
            description='Words, "phrases", prefix*, -exclusions, author:, title:, abstract:, '
            "cat:cs.CL, id:2403.01234 (docs/search.md).",
        ),
    ],
    mode: Annotated[
        Mode, Query(description="hybrid (words and meaning), keyword or semantic.")
    ] = "hybrid",
    sort: Annotated[Sort, Query(description="relevance, date (newest first) or trending.")] = (
        "relevance"
    ),
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_SEARCH_OFFSET)] = 0,
) -> Response:
    """Search titles, abstracts and authors. `mode` in the answer says which mode ran:
    hybrid and semantic fall back to keyword while no vectors are indexed."""
    if not q.strip():
        raise bad_request("q must not be empty")
    searcher = open_searcher(web)
    used: Mode = mode if mode == "keyword" or searcher.semantic_available else "keyword"
    try:
        results = searcher.search(
            q, mode=mode, limit=limit, offset=offset, filters=filters, sort=sort
        )
    except QueryError as error:
        raise bad_request(str(error)) from None
    base = site_base(request, web.settings)
    following = offset + limit
    has_next = len(results) == limit and following <= MAX_SEARCH_OFFSET
    return json_response(
        SearchResponse(
            items=_hits(web.catalog, results, base),
            limit=limit,
            offset=offset,
            mode=used,
            next=_next_url(request, base, following) if has_next else None,
        )
    )


def _hits(catalog: Catalog, results: list[SearchResult], base: str) -> list[SearchHit]:
    papers = papers_out(catalog, [result.paper for result in results], base)
    return [
        SearchHit(
            paper=paper, score=result.score, highlights=Highlights.model_validate(result.highlights)
        )
        for paper, result in zip(papers, results, strict=True)
    ]


def feeds(request: Request, web: Context) -> Response:
    """Every Atom/RSS feed with its URLs, and how to build search and category feeds."""
    return json_response(feeds_info(site_base(request, web.settings)))


def stats(web: Context) -> Response:
    """How many papers, from which sources, over which dates, and how current the search
    indexes are (read from their metadata files, without opening them)."""
    catalog_stats = web.catalog.stats()
    root = index_root(web.settings.data_dir)
    keyword, vectors = _index_state(root / "keyword"), _index_state(root / "vectors")
    change_seq = int(catalog_stats["change_seq"])
    return json_response(
        StatsOut(
            **catalog_stats,
            keyword_index=keyword,
            vector_index=vectors,
            keyword_index_behind=max(0, change_seq - keyword.applied_seq),
            semantic_enabled=web.searcher.semantic,
        )
    )


def _index_state(directory: Path) -> IndexState:
    files = IndexDirectory(directory)
    generation = files.current()
    applied = files.read_meta(generation)[1] if generation else 0
    return IndexState(built=generation is not None, generation=generation, applied_seq=applied)
