"""Community pages: submitting papers, upvotes and comment threads, as forms.

Every form POSTs with the page's CSRF token (checked app-wide, middleware/csrf.py) and
answers with a 303 back to a safe `next` or to what it changed, so all of it works without
JavaScript (static/community.js only spares an upvote the reload). Who may use each route
is its row in web/routes.py. The rules live in paperwire.community: a refusal is raised as
it is and web/errors.py answers it with its status, except where a form is shown again
with the message (submitting).

The collection pages are pages/collections.py; what the pages, the JSON APIs and the feeds
share lives in community_view.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.community import comments as community_comments
from paperwire.community import votes
from paperwire.community.submissions import submissions_of, submit_paper
from paperwire.db.connections import now
from paperwire.errors import CommunityError
from paperwire.urls import paper_path
from paperwire.web import present
from paperwire.web.auth import CurrentViewer
from paperwire.web.community_view import (
    MAX_ROW_ID,
    RowId,
    back,
    page_viewer,
    paper_key,
    render,
    signed_in,
    with_retry,
)
from paperwire.web.context import WebContext, web_context

Context = Annotated[WebContext, Depends(web_context)]

OUTCOMES = {
    "listed": "is on today's page now.",
    "pending": "is waiting: arXiv could not be reached; it will be tried again in a few minutes.",
    "duplicate": "was on paperwire already: it counted as your upvote.",
}
Next = Annotated[str, Form(max_length=2000)]


# -- submitting ------------------------------------------------------------------------


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
    user = signed_in(current)
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
    return render(request, "submit.html", context, status)


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
        return with_retry(page, error)
    params = {"outcome": result.outcome, "paper": result.paper_id}
    return RedirectResponse(present.with_query("/submit", params), status_code=303)


# -- upvotes ---------------------------------------------------------------------------


def upvote_form(
    web: Context,
    current: CurrentViewer,
    paper_id: str,
    action: Annotated[Literal["add", "remove", "toggle"], Form()] = "toggle",
    next: Next = "",
) -> Response:
    """Add or take back one's upvote ("toggle": whichever it is not now)."""
    target = paper_key(paper_id)
    if action == "toggle":
        action = "remove" if votes.upvoted_among(web.catalog, current.user, [target]) else "add"
    if action == "add":
        votes.upvote(web.catalog, current.user, target)
    else:
        votes.remove_upvote(web.catalog, current.user, target)
    return back(next, paper_path(target))


# -- comments --------------------------------------------------------------------------

CommentBody = Annotated[str, Form(max_length=community_comments.MAX_BODY * 2)]


def _comment_url(comment: community_comments.Comment) -> str:
    return f"{paper_path(comment.paper_id)}#comment-{comment.id}"


def add_comment_form(
    web: Context,
    current: CurrentViewer,
    paper_id: str,
    body: CommentBody = "",
    parent_id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    comment = community_comments.add_comment(
        web.catalog, current.user, paper_key(paper_id), body, parent_id=parent_id
    )
    return RedirectResponse(_comment_url(comment), status_code=303)


def edit_comment_page(
    request: Request, web: Context, current: CurrentViewer, comment_id: RowId
) -> Response:
    source = community_comments.comment_source(web.catalog, current.user, comment_id)
    comment = community_comments.get_comment(web.catalog, comment_id, current.user)
    me = page_viewer(request, web)
    context = {
        "title": "Edit your comment",
        "member": me,
        "comment": comment,
        "source": source,
        "editable": bool(present.comment_views([comment], me, now(web.catalog))[0].can_change),
        "window_minutes": int(community_comments.EDIT_WINDOW.total_seconds() // 60),
    }
    return render(request, "comment_edit.html", context)


def edit_comment_form(
    web: Context, current: CurrentViewer, comment_id: RowId, body: CommentBody = ""
) -> Response:
    comment = community_comments.edit_comment(web.catalog, current.user, comment_id, body)
    return RedirectResponse(_comment_url(comment), status_code=303)


def delete_comment_form(web: Context, current: CurrentViewer, comment_id: RowId) -> Response:
    comment = community_comments.get_comment(web.catalog, comment_id, current.user)
    community_comments.delete_comment(web.catalog, current.user, comment_id)
    return RedirectResponse(f"{paper_path(comment.paper_id)}#discussion", status_code=303)


def hide_comment_form(
    web: Context,
    current: CurrentViewer,
    comment_id: RowId,
    hidden: Annotated[bool, Form()] = True,
) -> Response:
    """Hide a comment (hidden=true) or show it again (hidden=false)."""
    community_comments.set_hidden(web.catalog, current.user, comment_id, hidden)
    comment = community_comments.get_comment(web.catalog, comment_id, current.user)
    return RedirectResponse(_comment_url(comment), status_code=303)


# Last, so the routes keep their order: the collection pages come after the ones above.
