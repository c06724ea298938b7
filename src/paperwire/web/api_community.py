"""The community's JSON API under /api/v1: upvotes, comments, submissions, collections and
trending with each paper's score breakdown.

Clients authenticate with `Authorization: Bearer pw_...` (a token from the account page)
or, from our own pages, with the session cookie plus the `X-CSRF-Token` header. Each route
names the least access it needs (`requires(...)`; route_table(app) reads them). Errors are
`{"error": message}` with the status the rules give (community/errors.py): 400 bad input,
401 not signed in, 403 not allowed, 404 absent (private collections included), 409 taken,
429 too many (with Retry-After).

Route order: app.py includes this router before api_v1, whose catch-all
`/api/v1/papers/{id}` would otherwise take `.../upvote` and `.../comments` as part of an id.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

from paperwire.catalog.listing import ListQuery
from paperwire.community import collections as community_collections
from paperwire.community import comments as community_comments
from paperwire.community import votes
from paperwire.community.engagement import engagement_for
from paperwire.community.errors import CommunityError, NotFound
from paperwire.community.submissions import (
    Submission,
    get_submission,
    submissions_of,
    submit_paper,
)
from paperwire.community.trending import Breakdown
from paperwire.web.api_models import ErrorOut, PaperOut, json_response, site_base
from paperwire.web.api_v1 import papers_out
from paperwire.web.auth import CurrentViewer, requires
from paperwire.web.community_routes import (
    collection_url,
    community_error,
    paper_key,
    trending_list,
    trending_params,
    trending_window,
)
from paperwire.web.context import WebContext, web_context

router = APIRouter(tags=["community"])
Context = Annotated[WebContext, Depends(web_context)]
# Shown in the OpenAPI docs (the "Authorize" button); requires(...) does the checking.
BEARER = Depends(
    HTTPBearer(
        auto_error=False,
        description="An API token (`pw_...`). Browsers use their session cookie and send "
        "the page's CSRF token in the X-CSRF-Token header instead.",
    )
)
MAX_LIMIT = 100

Responses = dict[int | str, dict[str, Any]]


def _errors(*statuses: int) -> Responses:
    meaning = {
        400: "The input breaks a rule (the message says which).",
        401: "Not signed in.",
        403: "Not allowed (another's comment, a role, an unconfirmed email).",
        404: "No such paper, comment or collection (or a private one).",
        409: "Taken already (a collection name).",
        429: "A limit was reached; Retry-After says when to try again.",
    }
    return {status: {"model": ErrorOut, "description": meaning[status]} for status in statuses}


# -- models ------------------------------------------------------------------------------


class UpvoteOut(BaseModel):
    paper_id: str
    upvoted: bool = Field(description="Whether the caller upvotes the paper now.")
    upvotes: int = Field(description="All upvotes (this site's and Hugging Face's).")


class SubmissionIn(BaseModel):
    id: str = Field(
        max_length=300,
        description="An arXiv id, or an arxiv.org abs/pdf or huggingface.co/papers URL.",
        examples=["2403.01234"],
    )


class SubmissionOut(BaseModel):
    id: int
    paper_id: str
    submitted_by: str
    status: Literal["pending", "listed", "rejected"] = Field(
        description="pending: arXiv could not be reached yet, retried by the worker; "
        "listed: on the daily page; rejected: see reason."
    )
    reason: str | None
    attempts: int
    created_at: dt.datetime
    listed_at: dt.datetime | None


class SubmissionResultOut(BaseModel):
    outcome: Literal["listed", "pending", "duplicate"] = Field(
        description="duplicate: submitted or listed before, so it counted as your upvote."
    )
    paper_id: str
    submission: SubmissionOut | None
    paper: PaperOut | None = Field(description="The paper, once it is in the catalog.")


class SubmissionList(BaseModel):
    items: list[SubmissionOut]


class CommentOut(BaseModel):
    id: int
    paper_id: str
    parent_id: int | None
    depth: int
    author: str | None = Field(description="null for a deleted or hidden comment.")
    state: Literal["visible", "deleted", "hidden"]
    html: str = Field(description="The body as sanitised HTML (empty for a placeholder).")
    placeholder: str | None = Field(description="What stands in for a deleted or hidden body.")
    created_at: dt.datetime
    edited_at: dt.datetime | None
    replies: list[CommentOut] = Field(default_factory=list)


class CommentThread(BaseModel):
    paper_id: str
    num_comments: int = Field(description="Visible comments here plus Hugging Face's count.")
    comments: list[CommentOut] = Field(description="This site's comments, as a tree.")


class CommentIn(BaseModel):
    body: str = Field(
        max_length=community_comments.MAX_BODY * 2,
        description="Markdown: emphasis, strong, code, http(s) links, lists, quotes.",
    )
    parent_id: int | None = Field(None, description="The comment this replies to.")


class CommentEdit(BaseModel):
    body: str = Field(max_length=community_comments.MAX_BODY * 2)


class HiddenIn(BaseModel):
    hidden: bool


class CollectionIn(BaseModel):
    name: str = Field(max_length=community_collections.NAME_MAX * 2)
    description: str = Field("", max_length=community_collections.DESCRIPTION_MAX * 2)
    public: bool = False


class CollectionPatch(BaseModel):
    name: str | None = Field(None, max_length=community_collections.NAME_MAX * 2)
    description: str | None = Field(None, max_length=community_collections.DESCRIPTION_MAX * 2)
    public: bool | None = None


class ExportLinks(BaseModel):
    jsonl: str
    bibtex: str


class CollectionOut(BaseModel):
    id: int
    owner: str
    name: str
    slug: str
    description: str
    public: bool
    item_count: int
    created_at: dt.datetime
    updated_at: dt.datetime
    url: str
    exports: ExportLinks


class CollectionList(BaseModel):
    items: list[CollectionOut]


class CollectionDetail(BaseModel):
    collection: CollectionOut
    papers: list[PaperOut] = Field(description="Most recently added first.")
    limit: int
    offset: int


class ItemIn(BaseModel):
    paper_id: str = Field(max_length=300)


class ItemOut(BaseModel):
    collection_id: int
    paper_id: str
    changed: bool = Field(description="False when it was there (added) or absent (removed).")


class BreakdownOut(BaseModel):
    upvotes: int
    comments: int
    stars_gained: int
    submitted_here: bool
    age_hours: float
    score: float


class TrendingItem(BaseModel):
    paper: PaperOut
    trending: BreakdownOut


class TrendingOut(BaseModel):
    items: list[TrendingItem]
    total: int
    limit: int
    offset: int
    window_start: dt.date | None
    window_end: dt.date | None
    gravity: float
    comment_weight: float


# -- conversions ---------------------------------------------------------------------


def _submission_out(item: Submission) -> SubmissionOut:
    return SubmissionOut(
        id=item.id,
        paper_id=item.paper_id,
        submitted_by=item.username,
        status=item.status,
        reason=item.reason,
        attempts=item.attempts,
        created_at=item.created_at,
        listed_at=item.listed_at,
    )


def _comment_out(comment: community_comments.Comment) -> CommentOut:
    return CommentOut(
        id=comment.id,
        paper_id=comment.paper_id,
        parent_id=comment.parent_id,
        depth=comment.depth,
        author=comment.author,
        state=comment.state,
        html=comment.html,
        placeholder=comment.placeholder,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        replies=[_comment_out(reply) for reply in comment.replies],
    )


def _collection_out(collection: community_collections.Collection, base: str) -> CollectionOut:
    url = base + collection_url(collection)
    return CollectionOut(
        id=collection.id,
        owner=collection.owner,
        name=collection.name,
        slug=collection.slug,
        description=collection.description,
        public=collection.is_public,
        item_count=collection.item_count,
        created_at=collection.created_at,
        updated_at=collection.updated_at,
        url=url,
        exports=ExportLinks(jsonl=f"{url}.jsonl", bibtex=f"{url}.bib"),
    )


def _breakdown_out(breakdown: Breakdown) -> BreakdownOut:
    return BreakdownOut(
        upvotes=breakdown.upvotes,
        comments=breakdown.comments,
        stars_gained=breakdown.stars_gained,
        submitted_here=breakdown.submitted_here,
        age_hours=breakdown.age_hours,
        score=breakdown.score,
    )


def _upvote_count(web: WebContext, paper_id: str) -> tuple[str, int]:
    """(the paper's id, its upvotes), for a catalog paper or a submission still pending."""
    paper = web.catalog.get(paper_id)
    if paper is not None:
        return paper.id, engagement_for(web.catalog, [paper])[paper.id].upvotes
    if get_submission(web.catalog, paper_id) is None:
        raise community_error(NotFound(f"no paper {paper_id!r}"))
    return paper_id, votes.vote_count(web.catalog, paper_id)


# -- upvotes -------------------------------------------------------------------------


@router.post(
    "/api/v1/papers/{paper_id:path}/upvote",
    summary="Upvote a paper",
    response_model=UpvoteOut,
    responses=_errors(401, 404),
    dependencies=[requires("user"), BEARER],
)
def upvote(web: Context, current: CurrentViewer, paper_id: str) -> Response:
    """One upvote per account and paper: upvoting again changes nothing."""
    target = paper_key(paper_id)
    try:
        votes.upvote(web.catalog, current.user, target)
    except CommunityError as error:
        raise community_error(error) from None
    found, count = _upvote_count(web, target)
    return json_response(UpvoteOut(paper_id=found, upvoted=True, upvotes=count))


@router.delete(
    "/api/v1/papers/{paper_id:path}/upvote",
    summary="Take back an upvote",
    response_model=UpvoteOut,
    responses=_errors(401, 404),
    dependencies=[requires("user"), BEARER],
)
def remove_upvote(web: Context, current: CurrentViewer, paper_id: str) -> Response:
    target = paper_key(paper_id)
    _upvote_count(web, target)  # 404 for an unknown paper
    try:
        votes.remove_upvote(web.catalog, current.user, target)
    except CommunityError as error:
        raise community_error(error) from None
    found, count = _upvote_count(web, target)
    return json_response(UpvoteOut(paper_id=found, upvoted=False, upvotes=count))


# -- comments ------------------------------------------------------------------------


@router.get(
    "/api/v1/papers/{paper_id:path}/comments",
    summary="A paper's comments",
    response_model=CommentThread,
    responses=_errors(404),
)
def list_comments(web: Context, current: CurrentViewer, paper_id: str) -> Response:
    """The thread as a tree, oldest first at every level. Deleted comments (and hidden
    ones, except for moderators) show as placeholders while a reply hangs below them."""
    paper = web.catalog.get(paper_key(paper_id))
    if paper is None:
        raise community_error(NotFound(f"no paper {paper_id!r}"))
    thread = community_comments.thread(web.catalog, paper.id, current.user)
    count = engagement_for(web.catalog, [paper])[paper.id].num_comments
    return json_response(
        CommentThread(
            paper_id=paper.id,
            num_comments=count,
            comments=[_comment_out(comment) for comment in thread],
        )
    )


@router.post(
    "/api/v1/papers/{paper_id:path}/comments",
    summary="Comment on a paper",
    status_code=201,
    response_model=CommentOut,
    responses=_errors(400, 401, 403, 404, 429),
    dependencies=[requires("verified"), BEARER],
)
def add_comment(web: Context, current: CurrentViewer, paper_id: str, body: CommentIn) -> Response:
    """A comment (or a reply, with parent_id). Needs a confirmed email address."""
    try:
        comment = community_comments.add_comment(
            web.catalog, current.user, paper_key(paper_id), body.body, parent_id=body.parent_id
        )
    except CommunityError as error:
        raise community_error(error) from None
    return json_response(_comment_out(comment), status_code=201)


@router.patch(
    "/api/v1/comments/{comment_id}",
    summary="Edit your comment",
    response_model=CommentOut,
    responses=_errors(400, 401, 403, 404),
    dependencies=[requires("user"), BEARER],
)
def edit_comment(
    web: Context, current: CurrentViewer, comment_id: int, body: CommentEdit
) -> Response:
    """Within 15 minutes of writing it."""
    try:
        comment = community_comments.edit_comment(web.catalog, current.user, comment_id, body.body)
    except CommunityError as error:
        raise community_error(error) from None
    return json_response(_comment_out(comment))


@router.delete(
    "/api/v1/comments/{comment_id}",
    summary="Delete your comment",
    status_code=204,
    responses=_errors(401, 403, 404),
    dependencies=[requires("user"), BEARER],
)
def delete_comment(web: Context, current: CurrentViewer, comment_id: int) -> Response:
    """Within 15 minutes of writing it; with replies it stays as "[deleted]"."""
    try:
        community_comments.delete_comment(web.catalog, current.user, comment_id)
    except CommunityError as error:
        raise community_error(error) from None
    return Response(status_code=204)


@router.put(
    "/api/v1/comments/{comment_id}/hidden",
    summary="Hide or show a comment (moderators)",
    response_model=CommentOut,
    responses=_errors(401, 403, 404),
    dependencies=[requires("moderator"), BEARER],
)
def hide_comment(
    web: Context, current: CurrentViewer, comment_id: int, state: HiddenIn
) -> Response:
    try:
        community_comments.set_hidden(web.catalog, current.user, comment_id, state.hidden)
        comment = community_comments.get_comment(web.catalog, comment_id, current.user)
    except CommunityError as error:
        raise community_error(error) from None
    return json_response(_comment_out(comment))


# -- submissions ---------------------------------------------------------------------


@router.post(
    "/api/v1/submissions",
    summary="Submit a paper",
    response_model=SubmissionResultOut,
    responses={
        201: {"description": "Listed on today's page.", "model": SubmissionResultOut},
        202: {
            "description": "Pending: arXiv could not be reached yet.",
            "model": SubmissionResultOut,
        },
        **_errors(400, 401, 403, 404, 429),
    },
    dependencies=[requires("verified"), BEARER],
)
def submit(request: Request, web: Context, current: CurrentViewer, body: SubmissionIn) -> Response:
    """Put a recent arXiv paper on today's page (rules: docs/community.md). Answers 201
    when listed, 202 when pending (the worker retries arXiv), 200 for a duplicate (which
    counted as your upvote)."""
    try:
        result = submit_paper(web.catalog, web.settings, current.user, body.id)
    except CommunityError as error:
        raise community_error(error) from None
    paper = web.catalog.get(result.paper_id)
    base = site_base(request, web.settings)
    status = {"listed": 201, "pending": 202, "duplicate": 200}[result.outcome]
    return json_response(
        SubmissionResultOut(
            outcome=result.outcome,
            paper_id=result.paper_id,
            submission=_submission_out(result.submission) if result.submission else None,
            paper=papers_out(web.catalog, [paper], base)[0] if paper else None,
        ),
        status_code=status,
    )


@router.get(
    "/api/v1/submissions",
    summary="Your submissions",
    response_model=SubmissionList,
    responses=_errors(401),
    dependencies=[requires("user"), BEARER],
)
def my_submissions(web: Context, current: CurrentViewer) -> Response:
    """Newest first, pending and rejected ones included."""
    assert current.user is not None
    mine = submissions_of(web.catalog, current.user.id, viewer=current.user)
    return json_response(SubmissionList(items=[_submission_out(item) for item in mine]))


# -- collections ---------------------------------------------------------------------


def _own_collection(
    web: WebContext, current: CurrentViewer, collection_id: int
) -> community_collections.Collection:
    """One of the caller's collections by id; 404 for anyone else's."""
    assert current.user is not None
    for owned in community_collections.collections_of(
        web.catalog, current.user.username, current.user
    ):
        if owned.id == collection_id:
            return owned
    raise community_error(NotFound("no such collection"))


@router.get(
    "/api/v1/collections",
    summary="Your collections",
    response_model=CollectionList,
    responses=_errors(401),
    dependencies=[requires("user"), BEARER],
)
def my_collections(request: Request, web: Context, current: CurrentViewer) -> Response:
    """Public and private, by name."""
    assert current.user is not None
    base = site_base(request, web.settings)
    owned = community_collections.collections_of(web.catalog, current.user.username, current.user)
    return json_response(CollectionList(items=[_collection_out(c, base) for c in owned]))


@router.post(
    "/api/v1/collections",
    summary="Make a collection",
    status_code=201,
    response_model=CollectionOut,
    responses=_errors(400, 401, 409, 429),
    dependencies=[requires("user"), BEARER],
)
def create_collection(
    request: Request, web: Context, current: CurrentViewer, body: CollectionIn
) -> Response:
    """Private unless `public` is true. Names are unique per account (by their slug)."""
    try:
        created = community_collections.create_collection(
            web.catalog, current.user, body.name, description=body.description, public=body.public
        )
    except CommunityError as error:
        raise community_error(error) from None
    return json_response(
        _collection_out(created, site_base(request, web.settings)), status_code=201
    )


@router.patch(
    "/api/v1/collections/{collection_id}",
    summary="Rename, describe or share a collection",
    response_model=CollectionOut,
    responses=_errors(400, 401, 404, 409),
    dependencies=[requires("user"), BEARER],
)
def update_collection(
    request: Request,
    web: Context,
    current: CurrentViewer,
    collection_id: int,
    body: CollectionPatch,
) -> Response:
    """Only the fields given change."""
    try:
        changed = community_collections.update_collection(
            web.catalog,
            current.user,
            collection_id,
            name=body.name,
            description=body.description,
            public=body.public,
        )
    except CommunityError as error:
        raise community_error(error) from None
    return json_response(_collection_out(changed, site_base(request, web.settings)))


@router.delete(
    "/api/v1/collections/{collection_id}",
    summary="Delete a collection",
    status_code=204,
    responses=_errors(401, 404),
    dependencies=[requires("user"), BEARER],
)
def delete_collection(web: Context, current: CurrentViewer, collection_id: int) -> Response:
    try:
        community_collections.delete_collection(web.catalog, current.user, collection_id)
    except CommunityError as error:
        raise community_error(error) from None
    return Response(status_code=204)


@router.post(
    "/api/v1/collections/{collection_id}/items",
    summary="Add a paper to a collection",
    response_model=ItemOut,
    responses=_errors(401, 404, 429),
    dependencies=[requires("user"), BEARER],
)
def add_item(web: Context, current: CurrentViewer, collection_id: int, body: ItemIn) -> Response:
    target = paper_key(body.paper_id)
    try:
        added = community_collections.add_paper(web.catalog, current.user, collection_id, target)
    except CommunityError as error:
        raise community_error(error) from None
    paper = web.catalog.get(target)
    return json_response(
        ItemOut(collection_id=collection_id, paper_id=paper.id if paper else target, changed=added)
    )


@router.delete(
    "/api/v1/collections/{collection_id}/items/{paper_id:path}",
    summary="Remove a paper from a collection",
    response_model=ItemOut,
    responses=_errors(401, 404),
    dependencies=[requires("user"), BEARER],
)
def remove_item(
    web: Context, current: CurrentViewer, collection_id: int, paper_id: str
) -> Response:
    target = paper_key(paper_id)
    try:
        removed = community_collections.remove_paper(
            web.catalog, current.user, collection_id, target
        )
    except CommunityError as error:
        raise community_error(error) from None
    return json_response(ItemOut(collection_id=collection_id, paper_id=target, changed=removed))


@router.get(
    "/api/v1/users/{username}/collections",
    summary="Someone's collections",
    response_model=CollectionList,
    responses=_errors(404),
)
def user_collections(
    request: Request, web: Context, current: CurrentViewer, username: str
) -> Response:
    """Their public collections (and private ones when you are that user)."""
    found = community_collections.collections_of(web.catalog, username[:64], current.user)
    base = site_base(request, web.settings)
    return json_response(CollectionList(items=[_collection_out(c, base) for c in found]))


@router.get(
    "/api/v1/users/{username}/collections/{slug}",
    summary="One collection and its papers",
    response_model=CollectionDetail,
    responses=_errors(404),
)
def collection_detail(
    request: Request,
    web: Context,
    current: CurrentViewer,
    username: str,
    slug: str,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=community_collections.MAX_ITEMS)] = 0,
) -> Response:
    """A private collection is a 404 to everybody but its owner. Exports: the `exports`
    URLs (JSONL in paperwire's export format, BibTeX)."""
    try:
        found = community_collections.get_collection(web.catalog, username, slug, current.user)
    except CommunityError as error:
        raise community_error(error) from None
    base = site_base(request, web.settings)
    papers = community_collections.collection_papers(web.catalog, found, limit=limit, offset=offset)
    return json_response(
        CollectionDetail(
            collection=_collection_out(found, base),
            papers=papers_out(web.catalog, papers, base),
            limit=limit,
            offset=offset,
        )
    )


# -- trending ------------------------------------------------------------------------


@router.get("/api/v1/trending", summary="Trending papers, with why", response_model=TrendingOut)
def trending(
    request: Request,
    web: Context,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """The papers of the trending window (the latest listing days), highest score first,
    each with what its score is made of (docs/trending.md). The same order as /trending,
    /feeds/trending and /api/v1/papers?order=trending."""
    params = trending_params(web.settings)
    window = trending_window(web.catalog, params)
    ranked = trending_list(web, ListQuery(period=window), limit=limit, offset=offset)
    base = site_base(request, web.settings)
    papers = papers_out(web.catalog, ranked.papers, base)
    return json_response(
        TrendingOut(
            items=[
                TrendingItem(paper=out, trending=_breakdown_out(ranked.breakdowns[out.id]))
                for out in papers
            ],
            total=ranked.total,
            limit=limit,
            offset=offset,
            window_start=window.start if window else None,
            window_end=window.end if window else None,
            gravity=params.gravity,
            comment_weight=params.comment_weight,
        )
    )
