"""Comment threads: one per paper, replies up to MAX_DEPTH levels, edits within a window,
moderators hiding what breaks the rules.

A comment's markdown is rendered and sanitised once, when written (community/markdown.py).
Deleting a comment that has replies keeps a "[deleted]" placeholder so the replies keep
their place; one without replies is removed. Hidden and deleted comments do not count in
numComments (engagement.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from paperwire.accounts.model import User
from paperwire.accounts.schema import users
from paperwire.accounts.security import require_role, require_verified
from paperwire.catalog.store import Catalog
from paperwire.community.markdown import render
from paperwire.community.papers import resolve_paper_id
from paperwire.community.schema import comments
from paperwire.db.connections import now, reading, writing
from paperwire.db.values import as_utc, maybe_utc
from paperwire.errors import CommunityError, Forbidden, NotFound, TooMany

MAX_BODY = 10_000
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_DEPTH = 5  # a top-level comment has depth 0; the deepest reply has depth MAX_DEPTH - 1
EDIT_WINDOW = dt.timedelta(minutes=15)
PER_HOUR = 30  # comments one account may write per hour
MAX_THREAD = 2000  # comments shown for one paper
DELETED = "[deleted]"
HIDDEN = "[hidden by a moderator]"
State = Literal["visible", "deleted", "hidden"]


@dataclass(slots=True)
class Comment:
    """A comment as a viewer sees it: `html` is the sanitised body ("" for a placeholder,
    whose text is `placeholder`); author is None when deleted, or hidden from this viewer."""

    id: int
    paper_id: str
    parent_id: int | None
    depth: int
    author: str | None
    state: State
    html: str
    placeholder: str | None
    created_at: dt.datetime
    edited_at: dt.datetime | None
    replies: list[Comment] = field(default_factory=list)


def _clean_body(body: str) -> str:
    # Control characters carry nothing a comment needs, and PostgreSQL text cannot hold NUL.
    body = _CONTROLS.sub("", body.replace("\r\n", "\n")).strip()
    if not body:
        raise CommunityError("a comment cannot be empty")
    if len(body) > MAX_BODY:
        raise CommunityError(f"a comment may have at most {MAX_BODY} characters")
    return body


def add_comment(
    catalog: Catalog,
    user: User | None,
    paper_id: str,
    body: str,
    *,
    parent_id: int | None = None,
) -> Comment:
    author = require_verified(user)
    text = _clean_body(body)
    moment = now(catalog)
    with writing(catalog) as connection:
        target = resolve_paper_id(connection, paper_id)
        if target is None:
            raise NotFound(f"no paper {paper_id!r}")
        recent = connection.execute(
            sa.select(sa.func.count()).where(
                comments.c.user_id == author.id,
                comments.c.created_at > moment - dt.timedelta(hours=1),
            )
        ).scalar_one()
        if recent >= PER_HOUR:
            raise TooMany(f"at most {PER_HOUR} comments an hour; please wait a little", 600)
        depth = 0
        if parent_id is not None:
            parent = connection.execute(
                sa.select(comments).where(comments.c.id == parent_id)
            ).first()
            if parent is None or parent.paper_id != target:
                raise NotFound("the comment you reply to is not there")
            if parent.deleted_at is not None or parent.hidden_at is not None:
                raise CommunityError("you cannot reply to a deleted or hidden comment")
            depth = int(parent.depth) + 1
            if depth >= MAX_DEPTH:
                raise CommunityError(f"replies nest at most {MAX_DEPTH} levels deep")
        try:
            with connection.begin_nested():
                comment_id = connection.execute(
                    comments.insert()
                    .values(
                        paper_id=target,
                        user_id=author.id,
                        parent_id=parent_id,
                        depth=depth,
                        body=text,
                        body_html=render(text),
                        created_at=moment,
                    )
                    .returning(comments.c.id)
                ).scalar_one()
        except sa.exc.IntegrityError:
            # The parent was deleted meanwhile (PostgreSQL; SQLite writers take turns).
            raise NotFound("the comment you reply to is not there") from None
    return get_comment(catalog, int(comment_id), author)


def _own_editable(
    connection: sa.Connection, catalog: Catalog, user: User, comment_id: int
) -> sa.Row[Any]:
    row = connection.execute(sa.select(comments).where(comments.c.id == comment_id)).first()
    if row is None or row.deleted_at is not None:
        raise NotFound("no such comment")
    if row.user_id != user.id:
        raise Forbidden("you can only change your own comments")
    if row.hidden_at is not None:
        raise Forbidden("a moderator hid this comment")
    if now(catalog) - as_utc(row.created_at) > EDIT_WINDOW:
        minutes = int(EDIT_WINDOW.total_seconds() // 60)
        raise Forbidden(f"comments can be changed for {minutes} minutes after writing")
    return row


def edit_comment(catalog: Catalog, user: User | None, comment_id: int, body: str) -> Comment:
    """Replace one's own comment within EDIT_WINDOW of writing it."""
    author = require_role(user)
    text = _clean_body(body)
    with writing(catalog) as connection:
        _own_editable(connection, catalog, author, comment_id)
        connection.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(body=text, body_html=render(text), edited_at=now(catalog))
        )
    return get_comment(catalog, comment_id, author)


def delete_comment(catalog: Catalog, user: User | None, comment_id: int) -> None:
    """Delete one's own comment within EDIT_WINDOW; with replies it stays as "[deleted]"."""
    author = require_role(user)
    with writing(catalog) as connection:
        _own_editable(connection, catalog, author, comment_id)
        has_replies = connection.execute(
            sa.select(comments.c.id).where(comments.c.parent_id == comment_id).limit(1)
        ).first()
        if has_replies is None:
            try:
                with connection.begin_nested():
                    connection.execute(comments.delete().where(comments.c.id == comment_id))
                return
            except sa.exc.IntegrityError:
                pass  # a reply arrived meanwhile (PostgreSQL): keep a placeholder instead
        connection.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(body="", body_html="", deleted_at=now(catalog))
        )


def set_hidden(catalog: Catalog, user: User | None, comment_id: int, hidden: bool) -> None:
    """Hide (or show again) a comment; moderators and admins only."""
    moderator = require_role(user, "moderator")
    values = (
        {"hidden_at": now(catalog), "hidden_by": moderator.id}
        if hidden
        else {"hidden_at": None, "hidden_by": None}
    )
    with writing(catalog) as connection:
        changed = connection.execute(
            comments.update().where(comments.c.id == comment_id).values(**values)
        ).rowcount
    if not changed:
        raise NotFound("no such comment")


def _select() -> sa.Select[Any]:
    return sa.select(comments, users.c.username).join(users, users.c.id == comments.c.user_id)


def _as_seen(row: sa.Row[Any], viewer: User | None) -> Comment:
    moderator = viewer is not None and viewer.is_moderator
    state: State = "visible"
    if row.deleted_at is not None:
        state = "deleted"
    elif row.hidden_at is not None:
        state = "hidden"
    shows_body = state == "visible" or (state == "hidden" and moderator)
    return Comment(
        id=int(row.id),
        paper_id=row.paper_id,
        parent_id=row.parent_id,
        depth=int(row.depth),
        author=row.username if shows_body else None,
        state=state,
        html=row.body_html if shows_body else "",
        placeholder=None if state == "visible" else (DELETED if state == "deleted" else HIDDEN),
        created_at=as_utc(row.created_at),
        edited_at=maybe_utc(row.edited_at),
    )


def get_comment(catalog: Catalog, comment_id: int, viewer: User | None = None) -> Comment:
    with reading(catalog) as connection:
        row = connection.execute(_select().where(comments.c.id == comment_id)).first()
    if row is None:
        raise NotFound("no such comment")
    return _as_seen(row, viewer)


def comment_source(catalog: Catalog, user: User | None, comment_id: int) -> str:
    """The markdown of one's own comment (to fill an edit form)."""
    author = require_role(user)
    with reading(catalog) as connection:
        row = connection.execute(sa.select(comments).where(comments.c.id == comment_id)).first()
    if row is None or row.deleted_at is not None or row.user_id != author.id:
        raise NotFound("no such comment")
    return str(row.body)


def thread(catalog: Catalog, paper_id: str, viewer: User | None = None) -> list[Comment]:
    """A paper's comments as a tree, oldest first at every level. Deleted comments, and
    hidden ones for viewers who are not moderators, appear only as placeholders and only
    when some visible reply hangs below them."""
    with reading(catalog) as connection:
        rows = connection.execute(
            _select()
            .where(comments.c.paper_id == paper_id)
            .order_by(comments.c.id)
            .limit(MAX_THREAD)
        ).all()
    nodes = {int(row.id): _as_seen(row, viewer) for row in rows}
    roots: list[Comment] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        (parent.replies if parent is not None else roots).append(node)
    return _pruned(roots)


def _pruned(nodes: list[Comment]) -> list[Comment]:
    kept: list[Comment] = []
    for node in nodes:
        node.replies = _pruned(node.replies)
        if node.html or node.replies:
            kept.append(node)
    return kept


def comments_by(catalog: Catalog, user_id: int, *, limit: int = 50) -> list[Comment]:
    """An account's visible comments, newest first (for a profile page)."""
    with reading(catalog) as connection:
        rows = connection.execute(
            _select()
            .where(
                comments.c.user_id == user_id,
                comments.c.deleted_at.is_(None),
                comments.c.hidden_at.is_(None),
            )
            .order_by(comments.c.id.desc())
            .limit(limit)
        ).all()
    return [_as_seen(row, None) for row in rows]
