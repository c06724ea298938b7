"""HTML pages: daily, weekly and monthly lists, trending, categories, search and the paper.

Handlers are thin: parse the URL, ask the catalog or the searcher once, render. What a card
shows is decided in present.py; how it is laid out, in templates/.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperwire.catalog.display import excerpt
from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.listing import Calendar, ListOrder, ListQuery
from paperwire.catalog.model import Paper
from paperwire.catalog.periods import Period, PeriodError, PeriodKind, parse_period
from paperwire.community import bibtex, comments
from paperwire.community.engagement import engagement_for, engagement_from_extras
from paperwire.db.connections import now
from paperwire.search.filters import SearchFilters
from paperwire.search.query import QueryError
from paperwire.search.searcher import MODES, SORTS, Searcher, SearchResult
from paperwire.urls import absolute, paper_path, request_base
from paperwire.web import citation, present
from paperwire.web.community_view import (
    here,
    page_viewer,
    trending_list,
    trending_params,
    trending_window,
    upvoted_on,
)
from paperwire.web.context import SearchUnavailable, WebContext, web_context
from paperwire.web.pages.thumbnails import thumbnailed
from paperwire.web.templating import TEMPLATES

Context = Annotated[WebContext, Depends(web_context)]

PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 20
# Deep pages cost a large OFFSET (lists) or a large candidate set (search); nobody reads them.
MAX_PAGE = 2000
SEARCH_MAX_PAGE = 10
SIMILAR_COUNT = 6
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]
SearchPageNumber = Annotated[int, Query(ge=1, le=SEARCH_MAX_PAGE)]

_CATEGORY = re.compile(r"[A-Za-z][A-Za-z-]{0,31}(?:\.[A-Za-z][A-Za-z-]{0,31})?")
_SINGLE_SLASH_URL = re.compile(r"^(https?):/(?!/)", re.IGNORECASE)
DAILY_FEED = present.feed("Daily papers", "/feeds/daily")


def _render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def _people(request: Request, web: WebContext) -> dict[str, Any]:
    """The viewer's part of a page: `me` (None for anonymous visitors, whose page is the same
    for everybody) and `here`, where the page's forms come back to."""
    return {"member": page_viewer(request, web), "here": here(request)}


def _bad_request(error: Exception) -> HTTPException:
    return HTTPException(status_code=400, detail=str(error))


# -- lists of papers ---------------------------------------------------------------


def _listing(
    request: Request,
    web: WebContext,
    *,
    query: ListQuery,
    page: int,
    order: ListOrder | None,
    context: dict[str, Any],
) -> Response:
    """One page of a list of papers as cards; a page past the end is a 404. order=None:
    by trending score, each card with its breakdown."""
    offset = (page - 1) * PAGE_SIZE
    breakdowns = None
    if order is None:
        ranked = trending_list(web, query, limit=PAGE_SIZE, offset=offset)
        papers, total, breakdowns = ranked.papers, ranked.total, ranked.breakdowns
    else:
        result = web.catalog.list_page(
            query, limit=PAGE_SIZE, offset=offset, order=order, with_total=True
        )
        papers, total = result.papers, result.total or 0
    if page > 1 and not papers:
        raise HTTPException(status_code=404, detail=f"There is no page {page} of this list.")
    engagement = engagement_for(web.catalog, papers)
    people = _people(request, web)
    params = {key: value for key, value in request.query_params.items() if key != "page"}
    return _render(
        request,
        "listing.html",
        {
            **context,
            **people,
            "cards": present.cards(
                papers,
                engagement,
                upvoted_on(web, people["member"], papers),
                breakdowns,
                thumbnailed(web, [paper.id for paper in papers]),
            ),
            "total": total,
            "pager": present.Pager(request.url.path, params, page, PAGE_SIZE, total),
            "math": present.has_tex(_card_texts(papers)),
        },
    )


def _card_texts(papers: list[Paper]) -> list[str]:
    return [text for paper in papers for text in (paper.title, excerpt(paper.abstract))]


def _period_context(web: WebContext, period: Period) -> dict[str, Any]:
    """Heading, previous/next links, the other views of the same days and the date picker.
    Previous/next jump to the nearest period that has papers, so they never lead to an
    empty (or future) day, week or month."""
    days = web.catalog.calendar(period.start, period.end)
    before, after = days.before, days.after
    if period.kind == "day":
        prev_url = f"/papers/date/{before.isoformat()}" if before else None
        next_url = f"/papers/date/{after.isoformat()}" if after else None
        prev_label, next_label = present.day_label(before), present.day_label(after)
        heading = f"Daily papers · {period.label}"
    else:
        shift = Period.week_of if period.kind == "week" else Period.month_of
        earlier, later = (shift(before) if before else None), (shift(after) if after else None)
        prev_url = f"/papers/{period.kind}/{earlier.slug}" if earlier else None
        next_url = f"/papers/{period.kind}/{later.slug}" if later else None
        prev_label = earlier.label if earlier else ""
        next_label = later.label if later else ""
        heading = f"{'Weekly' if period.kind == 'week' else 'Monthly'} papers · {period.label}"
    views = [
        ("Day", f"/papers/date/{period.end.isoformat()}", period.kind == "day"),
        ("Week", f"/papers/week/{Period.week_of(period.end).slug}", period.kind == "week"),
        ("Month", f"/papers/month/{Period.month_of(period.end).slug}", period.kind == "month"),
    ]
    return {
        "title": heading,
        "heading": heading,
        "period": period,
        "prev": (prev_url, prev_label) if prev_url else None,
        "next": (next_url, next_label) if next_url else None,
        "views": views,
        "date_picker": _date_picker(days, period),
        "feeds": [DAILY_FEED],
        "empty_message": f"No papers were listed in {period.label}.",
    }


def _date_picker(days: Calendar, period: Period) -> dict[str, str] | None:
    """The picker's bounds: the catalog's first and latest listing days (None: no papers)."""
    first, latest = days.first, days.latest
    if first is None or latest is None:
        return None
    value = min(max(period.end, first), latest)
    return {"min": first.isoformat(), "max": latest.isoformat(), "value": value.isoformat()}


def _period_page(
    request: Request, web: WebContext, kind: PeriodKind, value: str, page: int
) -> Response:
    try:
        period = parse_period(kind, value)
    except PeriodError as error:
        raise _bad_request(error) from None
    return _listing(
        request,
        web,
        query=ListQuery(period=period),
        page=page,
        order="published",
        context=_period_context(web, period),
    )


def home(request: Request, web: Context, date: str | None = None, page: PageNumber = 1) -> Response:
    """The latest listed day. `?date=YYYY-MM-DD` (the date picker, older links) redirects to
    that day's own page; its later pages stay here."""
    if date:
        if page == 1:
            try:
                day = parse_period("day", date)
            except PeriodError as error:
                raise _bad_request(error) from None
            return RedirectResponse(f"/papers/date/{day.slug}", status_code=302)
        return _period_page(request, web, "day", date, page)
    latest = web.catalog.latest_listed_on()
    if latest is None:
        context = {
            "title": "Daily papers",
            "heading": "Daily papers",
            "feeds": [DAILY_FEED],
            "empty_message": "No papers yet.",
            "empty_hint": True,
        }
        return _listing(
            request, web, query=ListQuery(), page=page, order="published", context=context
        )
    return _listing(
        request,
        web,
        query=ListQuery(period=Period.day(latest)),
        page=page,
        order="published",
        context={**_period_context(web, Period.day(latest)), "digest_promo": True},
    )


def day_page(request: Request, web: Context, day: str, page: PageNumber = 1) -> Response:
    return _period_page(request, web, "day", day, page)


def week_page(request: Request, web: Context, week: str, page: PageNumber = 1) -> Response:
    return _period_page(request, web, "week", week, page)


def month_page(request: Request, web: Context, month: str, page: PageNumber = 1) -> Response:
    return _period_page(request, web, "month", month, page)


def latest_week(web: Context) -> RedirectResponse:
    latest = web.catalog.latest_listed_on() or dt.date.today()
    return RedirectResponse(f"/papers/week/{Period.week_of(latest).slug}", status_code=302)


def latest_month(web: Context) -> RedirectResponse:
    latest = web.catalog.latest_listed_on() or dt.date.today()
    return RedirectResponse(f"/papers/month/{Period.month_of(latest).slug}", status_code=302)


def trending(request: Request, web: Context, page: PageNumber = 1) -> Response:
    """The papers of the trending window, highest trending score first (docs/trending.md),
    each card able to say what its score is made of."""
    params = trending_params(web.settings)
    window = trending_window(web.catalog, params)
    context = {
        "title": "Trending papers",
        "heading": "Trending papers",
        "subheading": f"Listed in the {params.window_days} days up to "
        f"{present.day_label(window.end)}, ranked by upvotes and comments, "
        "decaying with age"
        if window
        else None,
        "feeds": [present.feed("Trending papers", "/feeds/trending")],
        "empty_message": "No papers yet.",
    }
    return _listing(
        request, web, query=ListQuery(period=window), page=page, order=None, context=context
    )


def category_page(request: Request, web: Context, category: str, page: PageNumber = 1) -> Response:
    if not _CATEGORY.fullmatch(category):
        raise HTTPException(400, f"Not a category: {category[:40]!r} (e.g. cs.CL, hep-th).")
    heading = f"Papers in {category}"
    context = {
        "title": heading,
        "heading": heading,
        "subheading": "Most recently listed first",
        "feeds": [present.feed(heading, f"/feeds/category/{category}")],
        "empty_message": f"No papers in {category} yet.",
    }
    return _listing(
        request, web, query=ListQuery(category=category), page=page, order="listed", context=context
    )


# -- search --------------------------------------------------------------------------


def search_page(
    request: Request,
    web: Context,
    q: str = "",
    mode: str = "hybrid",
    sort: str = "relevance",
    categories: str | None = None,
    submitted: str | None = None,
    listed_on: str | None = None,
    has_code: str | None = None,
    min_upvotes: str | None = None,
    page: SearchPageNumber = 1,
) -> Response:
    form = {
        "q": q,
        "mode": mode,
        "sort": sort,
        "categories": categories,
        "submitted": submitted,
        "listed_on": listed_on,
        "has_code": has_code,
        "min_upvotes": min_upvotes,
    }
    context: dict[str, Any] = {
        "title": f"Search: {q}" if q.strip() else "Search",
        "q": q,
        "form": form,
        "modes": MODES,
        "sorts": SORTS,
        "results": None,
    }
    try:
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}, got {mode[:40]!r}")
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {sort[:40]!r}")
        filters = SearchFilters.parse(
            submitted=submitted,
            listed_on=listed_on,
            categories=categories,
            has_code=has_code,
            min_upvotes=min_upvotes,
        )
    except ValueError as error:  # QueryError is one
        return _render(request, "search.html", {**context, "error": str(error)}, 400)
    if not q.strip():
        return _render(request, "search.html", context)
    params = {key: value for key, value in form.items() if value}
    context["feeds"] = [present.feed(f"Search: {q}", "/feeds/search", params)]
    try:
        searcher = web.searcher.get()
        found = searcher.search_page(
            q,
            mode=mode,
            sort=sort,
            filters=filters,
            limit=SEARCH_PAGE_SIZE + 1,
            offset=(page - 1) * SEARCH_PAGE_SIZE,
        )
    except SearchUnavailable as error:
        context["unavailable"] = str(error)
        return _render(request, "search.html", context, 503)
    except QueryError as error:
        return _render(request, "search.html", {**context, "error": str(error)}, 400)
    results = found.results
    shown = results[:SEARCH_PAGE_SIZE]
    papers = [result.paper for result in shown]
    people = _people(request, web)
    cards = present.cards(
        papers,
        engagement_for(web.catalog, papers),
        upvoted_on(web, people["member"], papers),
        thumbnails=thumbnailed(web, [paper.id for paper in papers]),
    )
    context.update(
        people,
        results=shown,
        total=found.total,
        total_capped=found.total >= found.cap,
        items=list(zip(cards, shown, strict=True)),
        pager=present.Pager(
            "/search", params, page, SEARCH_PAGE_SIZE, has_more=len(results) > SEARCH_PAGE_SIZE
        ),
        semantic_missing=mode == "semantic" and not searcher.semantic_available,
        math=present.has_tex(_card_texts(papers)),
    )
    return _render(request, "search.html", context)


# -- one paper -----------------------------------------------------------------------


def _similar(web: WebContext, paper: Paper) -> list[SearchResult] | None:
    """Papers like this one: by meaning when vectors exist, else by the title's words.
    None when there is no search index at all (the section is left out)."""
    try:
        searcher: Searcher = web.searcher.get()
    except SearchUnavailable:
        return None
    found, _method = searcher.related(paper, SIMILAR_COUNT)
    return found


def paper_page(request: Request, web: Context, paper_id: str) -> Response:
    """A paper by id; versioned ids, arXiv URLs and old slugs redirect to its own URL."""
    # Proxies and browsers may fold the // of a URL pasted after /papers/.
    wanted = _SINGLE_SLASH_URL.sub(r"\1://", paper_id)
    parsed = parse_arxiv_id(wanted)
    paper = web.catalog.get(parsed[0] if parsed else wanted)
    if paper is None:
        raise HTTPException(status_code=404, detail=f"No paper {paper_id[:100]!r} here.")
    if paper.id != paper_id:
        return RedirectResponse(paper_path(paper.id), status_code=301)
    similar = _similar(web, paper)
    # The paper's and its similar papers' votes and comments in one read.
    engagement_of = engagement_for(web.catalog, [paper, *(hit.paper for hit in similar or [])])
    engagement = engagement_of[paper.id]
    people = _people(request, web)
    me = people["member"]
    thread = comments.thread(web.catalog, paper.id, me.user if me else None)
    texts = [
        paper.title,
        paper.abstract,
        *(hit.title for hit in similar or []),
        *present.comment_texts(thread),  # comments may hold TeX too
    ]
    summary = paper.extras.get("ai_summary")
    links = present.paper_links(paper)
    page_url = absolute(request_base(web.settings, str(request.base_url)), paper_path(paper.id))
    return _render(
        request,
        "paper.html",
        {
            **people,
            "title": paper.title,
            "paper": paper,
            "engagement": engagement,
            "upvoted": bool(upvoted_on(web, me, [paper])),
            "thread": present.comment_views(thread, me, now(web.catalog)),
            "hf_comments": engagement_from_extras(paper).num_comments,
            "max_body": comments.MAX_BODY,
            "links": links + citation.elsewhere(paper, links),
            "head_meta": citation.citation_meta(paper, page_url),
            "bibtex": bibtex.entry(paper),
            "versions": citation.version_history(paper),
            "similar": similar,
            "similar_engagement": engagement_of,
            "ai_summary": summary if isinstance(summary, str) else None,
            "description": excerpt(paper.abstract, 200),
            "math": present.has_tex(texts),
        },
    )
