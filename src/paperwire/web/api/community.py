"""The community's JSON API under /api/v1: upvotes, comments and submissions.

Clients authenticate with `Authorization: Bearer pw_...` (a token from the account page)
or, from our own pages, with the session cookie plus the `X-CSRF-Token` header. Who may
call each route is its row in web/routes.py. Refusals of the rules are raised as they are
(paperwire.errors) and answered by web/errors.py: `{"error": message}` with 400 bad input,
401 not signed in, 403 not allowed, 404 absent (private collections included), 409 taken,
429 too many (with Retry-After).

The other parts: collections in api/collections.py, trending in api/trending.py; the
models and the documented errors in api/community_models.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from paperwire.community import comments as community_comments
from paperwire.community import votes
from paperwire.community.engagement import engagement_for
from paperwire.community.submissions import (
    Submission,
    get_submission,
    submissions_of,
    submit_paper,
)
from paperwire.errors import NotFound
from paperwire.web.api.community_models import (
    CommentEdit,
    CommentIn,
    CommentOut,
    CommentThread,
    HiddenIn,
    SubmissionIn,
    SubmissionList,
    SubmissionOut,
    SubmissionResultOut,
    UpvoteOut,
)
from paperwire.web.api.models import json_response, site_base
from paperwire.web.api.papers import papers_out
from paperwire.web.auth import CurrentViewer
from paperwire.web.community_view import RowId, paper_key
from paperwire.web.context import WebContext, web_context

Context = Annotated[WebContext, Depends(web_context)]


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


def _upvote_count(web: WebContext, paper_id: str) -> tuple[str, int]:
    """(the paper's id, its upvotes), for a catalog paper or a submission still pending."""
    paper = web.catalog.get(paper_id)
    if paper is not None:
        return paper.id, engagement_for(web.catalog, [paper])[paper.id].upvotes
    if get_submission(web.catalog, paper_id) is None:
        raise NotFound(f"no paper {paper_id!r}")
    return paper_id, votes.vote_count(web.catalog, paper_id)


# -- upvotes -------------------------------------------------------------------------


def upvote(web: Context, current: CurrentViewer, paper_id: str) -> Response:
    """One upvote per account and paper: upvoting again changes nothing."""
    target = paper_key(paper_id)
    votes.upvote(web.catalog, current.user, target)
    found, count = _upvote_count(web, target)
    return json_response(UpvoteOut(paper_id=found, upvoted=True, upvotes=count))


def remove_upvote(web: Context, current: CurrentViewer, paper_id: str) -> Response:
    target = paper_key(paper_id)
    _upvote_count(web, target)  # 404 for an unknown paper
    votes.remove_upvote(web.catalog, current.user, target)
    found, count = _upvote_count(web, target)
    return json_response(UpvoteOut(paper_id=found, upvoted=False, upvotes=count))


# -- comments ------------------------------------------------------------------------


def list_comments(web: Context, current: CurrentViewer, paper_id: str) -> Response:
    """The thread as a tree, oldest first at every level. Deleted comments (and hidden
    ones, except for moderators) show as placeholders while a reply hangs below them."""
    paper = web.catalog.get(paper_key(paper_id))
    if paper is None:
        raise NotFound(f"no paper {paper_id!r}")
    thread = community_comments.thread(web.catalog, paper.id, current.user)
    count = engagement_for(web.catalog, [paper])[paper.id].num_comments
    return json_response(
        CommentThread(
            paper_id=paper.id,
            num_comments=count,
            comments=[_comment_out(comment) for comment in thread],
        )
    )


def add_comment(web: Context, current: CurrentViewer, paper_id: str, body: CommentIn) -> Response:
    """A comment (or a reply, with parent_id). Needs a confirmed email address."""
    comment = community_comments.add_comment(
        web.catalog, current.user, paper_key(paper_id), body.body, parent_id=body.parent_id
    )
    return json_response(_comment_out(comment), status_code=201)


def edit_comment(
    web: Context, current: CurrentViewer, comment_id: RowId, body: CommentEdit
) -> Response:
    """Within 15 minutes of writing it."""
    comment = community_comments.edit_comment(web.catalog, current.user, comment_id, body.body)
    return json_response(_comment_out(comment))


def delete_comment(web: Context, current: CurrentViewer, comment_id: RowId) -> Response:
    """Within 15 minutes of writing it; with replies it stays as "[deleted]"."""
    community_comments.delete_comment(web.catalog, current.user, comment_id)
    return Response(status_code=204)


def hide_comment(
    web: Context, current: CurrentViewer, comment_id: RowId, state: HiddenIn
) -> Response:
    community_comments.set_hidden(web.catalog, current.user, comment_id, state.hidden)
    comment = community_comments.get_comment(web.catalog, comment_id, current.user)
    return json_response(_comment_out(comment))


# -- submissions ---------------------------------------------------------------------


def submit(request: Request, web: Context, current: CurrentViewer, body: SubmissionIn) -> Response:
    """Put a recent arXiv paper on today's page (rules: docs/community.md). Answers 201
    when listed, 202 when pending (the worker retries arXiv), 200 for a duplicate (which
    counted as your upvote)."""
    result = submit_paper(web.catalog, web.settings, current.user, body.id)
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


def my_submissions(web: Context, current: CurrentViewer) -> Response:
    """Newest first, pending and rejected ones included."""
    assert current.user is not None
    mine = submissions_of(web.catalog, current.user.id, viewer=current.user)
    return json_response(SubmissionList(items=[_submission_out(item) for item in mine]))
