"""What the community's JSON API (api/community.py, api/collections.py, api/trending.py)
takes and answers: its models, what its errors mean, and the bearer scheme behind the
"Authorize" button of /docs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import Depends
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from paperwire.community import collections as community_collections
from paperwire.community import comments as community_comments
from paperwire.community.trending import Breakdown
from paperwire.web.api.models import ErrorOut, PaperOut
from paperwire.web.community_view import MAX_ROW_ID

# Shown in the OpenAPI docs (the "Authorize" button) on the routes that need an account;
# web/auth.py's requires(...) does the checking.
BEARER = Depends(
    HTTPBearer(
        auto_error=False,
        description="An API token (`pw_...`). Browsers use their session cookie and send "
        "the page's CSRF token in the X-CSRF-Token header instead.",
    )
)
MAX_LIMIT = 100
# What the library (community/comments.py, community/collections.py) keeps of a text, as
# /openapi.json states it: a character that is neither space nor a control character, and
# at most its length. The models enforce the length on the text as sent, so the document
# and the answer agree; the library checks the rest (400, with its message).
SOME_TEXT = r"\S"
SOME_NAME = r"[^\s\x00-\x1f\x7f-\x9f]"


def text_rules(most: int, pattern: str | None = None) -> dict[str, Any]:
    rules: dict[str, Any] = {"maxLength": most}
    if pattern is not None:
        rules["pattern"] = pattern
    return rules


Responses = dict[int | str, dict[str, Any]]


# What each error of the community API means, for /openapi.json (the table,
# web/routes.py, names the statuses each route documents).
ERRORS: Responses = {
    status: {"model": ErrorOut, "description": meaning}
    for status, meaning in {
        400: "The input breaks a rule (the message says which).",
        401: "Not signed in.",
        403: "Not allowed (another's comment, a role, an unconfirmed email).",
        404: "No such paper, comment or collection (or a private one).",
        409: "Taken already (a collection name).",
        429: "A limit was reached; Retry-After says when to try again.",
    }.items()
}


class RequestBody(BaseModel):
    """A JSON body, read as the document types it: 0 is no boolean, "1" no integer."""

    model_config = ConfigDict(strict=True)


class UpvoteOut(BaseModel):
    paper_id: str
    upvoted: bool = Field(description="Whether the caller upvotes the paper now.")
    upvotes: int = Field(description="All upvotes (this site's and Hugging Face's).")


class SubmissionIn(RequestBody):
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


class CommentIn(RequestBody):
    body: str = Field(
        max_length=community_comments.MAX_BODY,
        json_schema_extra=text_rules(community_comments.MAX_BODY, SOME_TEXT),
        description="Markdown: emphasis, strong, code, http(s) links, lists, quotes.",
    )
    parent_id: int | None = Field(
        None, ge=1, le=MAX_ROW_ID, description="The comment this replies to."
    )


class CommentEdit(RequestBody):
    body: str = Field(
        max_length=community_comments.MAX_BODY,
        json_schema_extra=text_rules(community_comments.MAX_BODY, SOME_TEXT),
    )


class HiddenIn(RequestBody):
    hidden: bool


class CollectionIn(RequestBody):
    name: str = Field(
        max_length=community_collections.NAME_MAX,
        json_schema_extra=text_rules(community_collections.NAME_MAX, SOME_NAME),
    )
    description: str = Field(
        "",
        max_length=community_collections.DESCRIPTION_MAX,
        json_schema_extra=text_rules(community_collections.DESCRIPTION_MAX),
    )
    public: bool = False


class CollectionPatch(RequestBody):
    name: str | None = Field(
        None,
        max_length=community_collections.NAME_MAX,
        json_schema_extra=text_rules(community_collections.NAME_MAX, SOME_NAME),
    )
    description: str | None = Field(
        None,
        max_length=community_collections.DESCRIPTION_MAX,
        json_schema_extra=text_rules(community_collections.DESCRIPTION_MAX),
    )
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


class ItemIn(RequestBody):
    paper_id: str = Field(max_length=300)


class ItemOut(BaseModel):
    collection_id: int
    paper_id: str
    changed: bool = Field(description="False when it was there (added) or absent (removed).")


class TrendingItem(BaseModel):
    paper: PaperOut
    # The library's own value: the API answers exactly what the score is made of.
    trending: Breakdown


class TrendingOut(BaseModel):
    items: list[TrendingItem]
    total: int
    limit: int
    offset: int
    window_start: dt.date | None
    window_end: dt.date | None
    gravity: float
    comment_weight: float
