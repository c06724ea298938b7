"""Community pages: submitting papers, upvotes, comment threads and collections, as forms.

Every form POSTs with the page's CSRF token (checked app-wide, web/auth.py) and answers
with a 303 back to a safe `next` or to what it changed, so all of it works without
JavaScript (static/community.js only spares an upvote the reload). Each route names the
least access it needs with `requires(...)`; route_table(app) and the authorisation test
read those. The rules live in paperwire.community: a CommunityError becomes its status.

| route                                                  | access                        |
| GET  /submit, /collections                             | user                          |
| POST /submit, /papers/{id}/comments                    | verified                      |
| POST /papers/{id}/upvote, /papers/{id}/collect         | user                          |
| GET/POST /comments/{id}/edit, POST /comments/{id}/delete | user (own, within 15 min)   |
| POST /comments/{id}/hide                               | moderator                     |
| POST /collections, /collections/{id}/edit|delete|remove | user (own collections)       |
| GET  /users/{name}/collections[/{slug}[.jsonl|.bib]]   | anyone (private: owner only)  |

Also here, because the pages, both JSON APIs and the feeds share them: the signed-in
viewer's part of a page (`page_viewer`, `upvoted_on`) and trending lists (`trending_list`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.model import Paper
from paperwire.catalog.periods import Period
from paperwire.catalog.store import Catalog
from paperwire.community import collections as community_collections
from paperwire.community import comments as community_comments
from paperwire.community import votes
from paperwire.community.accounts import find_user
from paperwire.community.db import now
from paperwire.community.engagement import engagement_for
from paperwire.community.errors import CommunityError, NotFound, TooMany
from paperwire.community.model import User
from paperwire.community.security import safe_next
from paperwire.community.submissions import submissions_of, submit_paper
from paperwire.community.trending import TrendingPage, TrendingParams, trending_page
from paperwire.config import Settings
from paperwire.web import present
from paperwire.web.auth import CurrentViewer, csrf_token_for, requires, viewer
from paperwire.web.context import WebContext, web_context
from paperwire.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)
Context = Annotated[WebContext, Depends(web_context)]

COLLECTION_PAGE_SIZE = 50
MAX_COLLECTION_PAGE = 100
OUTCOMES = {
    "listed": "is on today's page now.",
    "pending": "is waiting: arXiv could not be reached, we will try again shortly.",
    "duplicate": "was on paperwire already: it counted as your upvote.",
}
Next = Annotated[str, Form(max_length=2000)]


# -- shared with the pages, the JSON APIs and the feeds --------------------------------


def community_error(error: CommunityError) -> HTTPException:
    """The HTTP answer to a refusal of the rules (429 says when to come back)."""
    headers = None
    if isinstance(error, TooMany) and error.retry_after:
        headers = {"Retry-After": str(error.retry_after)}
    return HTTPException(status_code=error.status, detail=str(error), headers=headers)


def paper_key(paper_id: str) -> str:
    """An id as the library knows papers: versions and arXiv URLs reduced to the bare id."""
    parsed = parse_arxiv_id(paper_id) if len(paper_id) <= 300 else None
    return parsed[0] if parsed else paper_id


def here(request: Request) -> str:
    """This page's path and query, where its forms come back to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def page_viewer(request: Request, web: WebContext) -> present.Member | None:
    """The signed-in viewer's part of a page (their CSRF token and collections); None for
    anonymous visitors, whose pages stay the same for everybody (and are cached)."""
    current = viewer(request, web)
    if current.user is None:
        return None
    owned = community_collections.collections_of(web.catalog, current.user.username, current.user)
    return present.Member(
        current.user,
        csrf_token_for(request, None, web),
        tuple(present.CollectionChoice(item.id, item.name) for item in owned),
    )


def upvoted_on(web: WebContext, me: present.Member | None, papers: Sequence[Paper]) -> set[str]:
    """Which of a page's papers the viewer upvoted: one query, only for signed-in viewers."""
    if me is None:
        return set()
    return votes.upvoted_among(web.catalog, me.user, [paper.id for paper in papers])


def trending_params(settings: Settings) -> TrendingParams:
    return TrendingParams.from_settings(settings)


def trending_window(catalog: Catalog, params: TrendingParams) -> Period | None:
    """The listing days trending ranks: the window's length up to the latest listing day
    (not the calendar's today, so a site that stopped ingesting still shows its last days)."""
    latest = catalog.latest_listed_on()
    if latest is None:
        return None
    # A span of listing dates, not a calendar week: Period only carries the bounds here.
    return Period("week", latest - dt.timedelta(days=params.window_days - 1), latest)


def trending_list(
    web: WebContext, query: ListQuery | None = None, *, limit: int, offset: int = 0
) -> TrendingPage:
    """Papers by trending score (community/trending.py), for /trending, its feed,
    /api/daily_papers?sort=trending and /api/v1/papers?order=trending alike. Without a
    period in `query`, the trending window's papers."""
    params = trending_params(web.settings)
    query = query or ListQuery()
    if query.period is None:
        window = trending_window(web.catalog, params)
        if window is None:
            return TrendingPage()
        query = ListQuery(window, query.category, query.submitter)
    return trending_page(web.catalog, params, query, limit=limit, offset=offset)


# -- helpers of the pages here ---------------------------------------------------------


def _render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    return TEMPLATES.TemplateResponse(request, f"community/{template}", context, status_code=status)


def _back(target: str | None, default: str) -> RedirectResponse:
    return RedirectResponse(safe_next(target, default), status_code=303)


def _user(current: CurrentViewer) -> User:
    # requires(...) let only signed-in viewers through.
    assert current.user is not None
    return current.user


def _with_retry(response: Response, error: CommunityError) -> Response:
    if isinstance(error, TooMany) and error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


# -- submitting ------------------------------------------------------------------------


@router.get("/submit", response_class=HTMLResponse, dependencies=[requires("user")])
def submit_page(
    request: Request,
    web: Context,
    current: CurrentViewer,
    outcome: str | None = None,
    paper: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """The submission form and the viewer's submissions with their state."""
    return _submit_page(request, web, current, outcome=outcome, paper=paper)


def _submit_page(
    request: Request,
    web: WebContext,
    current: CurrentViewer,
    *,
    outcome: str | None = None,
    paper: str | None = None,
    error: str | None = None,
    text: str = "",
    status: int = 200,
) -> Response:
    user = _user(current)
    mine = submissions_of(web.catalog, user.id, viewer=user)
    # Only an arXiv id goes back into the page: the URL cannot make it say anything else.
    known = paper is not None and parse_arxiv_id(paper) is not None and paper_key(paper) == paper
    done = f"{paper} {OUTCOMES[outcome]}" if outcome in OUTCOMES and known else None
    context = {
        "title": "Submit a paper",
        "member": page_viewer(request, web),
        "submissions": mine,
        "done": done,
        "error": error,
        "text": text,
        "max_age_days": web.settings.submission_max_age_days,
        "daily_cap": web.settings.submission_daily_cap,
    }
    return _render(request, "submit.html", context, status)


@router.post("/submit", response_class=HTMLResponse, dependencies=[requires("verified")])
def submit(
    request: Request,
    web: Context,
    current: CurrentViewer,
    paper: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        result = submit_paper(web.catalog, web.settings, current.user, paper)
    except CommunityError as error:
        page = _submit_page(
            request, web, current, error=str(error), text=paper, status=error.status
        )
        return _with_retry(page, error)
    params = {"outcome": result.outcome, "paper": result.paper_id}
    return RedirectResponse(present.with_query("/submit", params), status_code=303)


# -- upvotes ---------------------------------------------------------------------------


@router.post("/papers/{paper_id:path}/upvote", dependencies=[requires("user")])
def upvote_form(
    web: Context,
    current: CurrentViewer,
    paper_id: str,
    action: Annotated[Literal["add", "remove", "toggle"], Form()] = "toggle",
    next: Next = "",
) -> Response:
    """Add or take back one's upvote ("toggle": whichever it is not now)."""
    target = paper_key(paper_id)
    try:
        if action == "toggle":
            action = "remove" if votes.upvoted_among(web.catalog, current.user, [target]) else "add"
        if action == "add":
            votes.upvote(web.catalog, current.user, target)
        else:
            votes.remove_upvote(web.catalog, current.user, target)
    except CommunityError as error:
        raise community_error(error) from None
    return _back(next, present.paper_url(target))


# -- comments --------------------------------------------------------------------------

CommentBody = Annotated[str, Form(max_length=community_comments.MAX_BODY * 2)]


def _comment_url(comment: community_comments.Comment) -> str:
    return f"{present.paper_url(comment.paper_id)}#comment-{comment.id}"


@router.post("/papers/{paper_id:path}/comments", dependencies=[requires("verified")])
def add_comment_form(
    web: Context,
    current: CurrentViewer,
    paper_id: str,
    body: CommentBody = "",
    parent_id: Annotated[int | None, Form()] = None,
) -> Response:
    try:
        comment = community_comments.add_comment(
            web.catalog, current.user, paper_key(paper_id), body, parent_id=parent_id
        )
    except CommunityError as error:
        raise community_error(error) from None
    return RedirectResponse(_comment_url(comment), status_code=303)


@router.get(
    "/comments/{comment_id}/edit", response_class=HTMLResponse, dependencies=[requires("user")]
)
def edit_comment_page(
    request: Request, web: Context, current: CurrentViewer, comment_id: int
) -> Response:
    try:
        source = community_comments.comment_source(web.catalog, current.user, comment_id)
        comment = community_comments.get_comment(web.catalog, comment_id, current.user)
    except CommunityError as error:
        raise community_error(error) from None
    me = page_viewer(request, web)
    context = {
        "title": "Edit your comment",
        "member": me,
        "comment": comment,
        "source": source,
        "editable": bool(present.comment_views([comment], me, now(web.catalog))[0].can_change),
        "window_minutes": int(community_comments.EDIT_WINDOW.total_seconds() // 60),
    }
    return _render(request, "comment_edit.html", context)


@router.post("/comments/{comment_id}/edit", dependencies=[requires("user")])
def edit_comment_form(
    web: Context, current: CurrentViewer, comment_id: int, body: CommentBody = ""
) -> Response:
    try:
        comment = community_comments.edit_comment(web.catalog, current.user, comment_id, body)
    except CommunityError as error:
        raise community_error(error) from None
    return RedirectResponse(_comment_url(comment), status_code=303)


@router.post("/comments/{comment_id}/delete", dependencies=[requires("user")])
def delete_comment_form(web: Context, current: CurrentViewer, comment_id: int) -> Response:
    try:
        comment = community_comments.get_comment(web.catalog, comment_id, current.user)
        community_comments.delete_comment(web.catalog, current.user, comment_id)
    except CommunityError as error:
        raise community_error(error) from None
    return RedirectResponse(f"{present.paper_url(comment.paper_id)}#discussion", status_code=303)


@router.post("/comments/{comment_id}/hide", dependencies=[requires("moderator")])
def hide_comment_form(
    web: Context,
    current: CurrentViewer,
    comment_id: int,
    hidden: Annotated[bool, Form()] = True,
) -> Response:
    """Hide a comment (hidden=true) or show it again (hidden=false)."""
    try:
        community_comments.set_hidden(web.catalog, current.user, comment_id, hidden)
        comment = community_comments.get_comment(web.catalog, comment_id, current.user)
    except CommunityError as error:
        raise community_error(error) from None
    return RedirectResponse(_comment_url(comment), status_code=303)


# -- collections -----------------------------------------------------------------------


def collection_url(collection: community_collections.Collection) -> str:
    return f"/users/{collection.owner}/collections/{collection.slug}"


def _my_collections_page(
    request: Request,
    web: WebContext,
    current: CurrentViewer,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    user = _user(current)
    context = {
        "title": "Your collections",
        "member": page_viewer(request, web),
        "owner": user.username,
        "collections": community_collections.collections_of(web.catalog, user.username, user),
        "is_owner": True,
        "error": error,
        "form": form or {"name": "", "description": "", "public": False},
    }
    return _render(request, "collections.html", context, status)


@router.get("/collections", response_class=HTMLResponse, dependencies=[requires("user")])
def my_collections(request: Request, web: Context, current: CurrentViewer) -> Response:
    return _my_collections_page(request, web, current)


Name = Annotated[str, Form(max_length=community_collections.NAME_MAX * 2)]
Description = Annotated[str, Form(max_length=community_collections.DESCRIPTION_MAX * 2)]


@router.post("/collections", response_class=HTMLResponse, dependencies=[requires("user")])
def create_collection_form(
    request: Request,
    web: Context,
    current: CurrentViewer,
    name: Name = "",
    description: Description = "",
    public: Annotated[bool, Form()] = False,
) -> Response:
    try:
        created = community_collections.create_collection(
            web.catalog, current.user, name, description=description, public=public
        )
    except CommunityError as error:
        form = {"name": name, "description": description, "public": public}
        page = _my_collections_page(
            request, web, current, error=str(error), form=form, status=error.status
        )
        return _with_retry(page, error)
    return RedirectResponse(collection_url(created), status_code=303)


@router.post("/collections/{collection_id}/edit", dependencies=[requires("user")])
def edit_collection_form(
    web: Context,
    current: CurrentViewer,
    collection_id: int,
    name: Name = "",
    description: Description = "",
    public: Annotated[bool, Form()] = False,
) -> Response:
    """Rename, describe, and make public or private (the form sends all three)."""
    try:
        changed = community_collections.update_collection(
            web.catalog,
            current.user,
            collection_id,
            name=name,
            description=description,
            public=public,
        )
    except CommunityError as error:
        raise community_error(error) from None
    return RedirectResponse(collection_url(changed), status_code=303)


@router.post("/collections/{collection_id}/delete", dependencies=[requires("user")])
def delete_collection_form(web: Context, current: CurrentViewer, collection_id: int) -> Response:
    try:
        community_collections.delete_collection(web.catalog, current.user, collection_id)
    except CommunityError as error:
        raise community_error(error) from None
    return RedirectResponse("/collections", status_code=303)


@router.post("/collections/{collection_id}/remove", dependencies=[requires("user")])
def remove_from_collection_form(
    web: Context,
    current: CurrentViewer,
    collection_id: int,
    paper_id: Annotated[str, Form(max_length=300)],
    next: Next = "",
) -> Response:
    try:
        community_collections.remove_paper(web.catalog, current.user, collection_id, paper_id)
    except CommunityError as error:
        raise community_error(error) from None
    return _back(next, "/collections")


@router.post("/papers/{paper_id:path}/collect", dependencies=[requires("user")])
def add_to_collection_form(
    web: Context,
    current: CurrentViewer,
    paper_id: str,
    collection_id: Annotated[int, Form()],
    next: Next = "",
) -> Response:
    target = paper_key(paper_id)
    try:
        community_collections.add_paper(web.catalog, current.user, collection_id, target)
    except CommunityError as error:
        raise community_error(error) from None
    return _back(next, present.paper_url(target))


@router.get("/users/{username}/collections", response_class=HTMLResponse)
def user_collections(request: Request, web: Context, username: str) -> Response:
    """Someone's public collections (their own private ones too, for the owner)."""
    owner = find_user(web.catalog, username) if len(username) <= 64 else None
    if owner is None or owner.disabled:
        raise HTTPException(status_code=404, detail=f"No user {username[:64]!r} here.")
    me = page_viewer(request, web)
    if me is not None and me.user.id == owner.id:
        return RedirectResponse("/collections", status_code=303)
    context = {
        "title": f"Collections of {owner.username}",
        "member": me,
        "owner": owner.username,
        "collections": community_collections.collections_of(
            web.catalog, owner.username, me.user if me else None
        ),
        "is_owner": False,
    }
    return _render(request, "collections.html", context)


def _visible_collection(
    request: Request, web: WebContext, username: str, slug: str
) -> community_collections.Collection:
    current = viewer(request, web)
    try:
        return community_collections.get_collection(web.catalog, username, slug, current.user)
    except NotFound:
        raise HTTPException(status_code=404, detail="No such collection.") from None


def _download_name(collection: community_collections.Collection, extension: str) -> str:
    return f'attachment; filename="{collection.owner}-{collection.slug}.{extension}"'


# Declared before the collection page, whose {slug} would otherwise take "x.bib".
@router.get("/users/{username}/collections/{slug}.jsonl")
def export_collection_jsonl(request: Request, web: Context, username: str, slug: str) -> Response:
    """The papers in paperwire's JSONL export format (`paperwire ingest` reads it back)."""
    collection = _visible_collection(request, web, username, slug)
    return StreamingResponse(
        community_collections.export_jsonl(web.catalog, collection),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": _download_name(collection, "jsonl")},
    )


@router.get("/users/{username}/collections/{slug}.bib")
def export_collection_bibtex(request: Request, web: Context, username: str, slug: str) -> Response:
    collection = _visible_collection(request, web, username, slug)
    return Response(
        community_collections.export_bibtex(web.catalog, collection),
        media_type="application/x-bibtex; charset=utf-8",
        headers={"Content-Disposition": _download_name(collection, "bib")},
    )


@router.get("/users/{username}/collections/{slug}", response_class=HTMLResponse)
def collection_page(
    request: Request,
    web: Context,
    username: str,
    slug: str,
    page: Annotated[int, Query(ge=1, le=MAX_COLLECTION_PAGE)] = 1,
) -> Response:
    collection = _visible_collection(request, web, username, slug)
    papers = community_collections.collection_papers(
        web.catalog,
        collection,
        limit=COLLECTION_PAGE_SIZE,
        offset=(page - 1) * COLLECTION_PAGE_SIZE,
    )
    if page > 1 and not papers:
        raise HTTPException(status_code=404, detail=f"There is no page {page} of this list.")
    me = page_viewer(request, web)
    url = collection_url(collection)
    context = {
        "title": collection.name,
        "member": me,
        "here": here(request),
        "collection": collection,
        "url": url,
        "is_owner": me is not None and me.user.id == collection.owner_id,
        "cards": present.cards(
            papers, engagement_for(web.catalog, papers), upvoted_on(web, me, papers)
        ),
        "pager": present.Pager(url, {}, page, COLLECTION_PAGE_SIZE, collection.item_count),
        "math": present.has_tex(paper.title for paper in papers),
    }
    return _render(request, "collection.html", context)
