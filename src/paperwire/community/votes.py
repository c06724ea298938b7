"""Upvotes: one per account and paper (the primary key says so, whatever the concurrency)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from paperwire.accounts.model import User
from paperwire.accounts.security import require_role
from paperwire.catalog.ids import could_be_id
from paperwire.catalog.store import Catalog
from paperwire.community.papers import removal_target, resolve_paper_id
from paperwire.community.schema import submissions, votes
from paperwire.db.connections import insert_ignoring_duplicates, now, reading, writing
from paperwire.errors import NotFound


def upvote(catalog: Catalog, user: User | None, paper_id: str) -> bool:
    """Upvote a paper (or a paper still pending as a submission); True when this added a
    vote, False when the account had voted already. Safe to call concurrently."""
    voter = require_role(user)
    with writing(catalog) as connection:
        target = resolve_paper_id(connection, paper_id) or _pending(connection, paper_id)
        if target is None:
            raise NotFound(f"no paper {paper_id!r}")
        # RETURNING tells whether a row went in (rowcount is -1 for this on PostgreSQL).
        inserted = connection.execute(
            insert_ignoring_duplicates(connection, votes)
            .values(user_id=voter.id, paper_id=target, created_at=now(catalog))
            .returning(votes.c.paper_id)
        ).first()
    return inserted is not None


def _pending(connection: sa.Connection, paper_id: str) -> str | None:
    if not could_be_id(paper_id):
        return None
    found = connection.execute(
        sa.select(submissions.c.paper_id).where(
            submissions.c.paper_id == paper_id, submissions.c.status == "pending"
        )
    ).scalar_one_or_none()
    return str(found) if found is not None else None


def remove_upvote(catalog: Catalog, user: User | None, paper_id: str) -> bool:
    """Take one's upvote back; True when there was one."""
    voter = require_role(user)
    with writing(catalog) as connection:
        target = removal_target(connection, paper_id)
        if target is None:
            return False
        removed = connection.execute(
            votes.delete().where(votes.c.user_id == voter.id, votes.c.paper_id == target)
        ).rowcount
    return bool(removed)


def upvoted_among(catalog: Catalog, user: User | None, paper_ids: Sequence[str]) -> set[str]:
    """Which of these papers the user upvoted (one query for a whole page)."""
    if user is None or not paper_ids:
        return set()
    with reading(catalog) as connection:
        rows = connection.execute(
            sa.select(votes.c.paper_id).where(
                votes.c.user_id == user.id, votes.c.paper_id.in_(list(paper_ids))
            )
        ).scalars()
        return {str(paper_id) for paper_id in rows}


def upvoted_by(catalog: Catalog, user_id: int, *, limit: int = 50, offset: int = 0) -> list[str]:
    """Ids of the papers an account upvoted, most recent vote first."""
    with reading(catalog) as connection:
        rows = connection.execute(
            sa.select(votes.c.paper_id)
            .where(votes.c.user_id == user_id)
            .order_by(votes.c.created_at.desc(), votes.c.paper_id)
            .limit(limit)
            .offset(offset)
        ).scalars()
        return [str(paper_id) for paper_id in rows]


def vote_count(catalog: Catalog, paper_id: str) -> int:
    """paperwire's own upvotes of one paper (engagement_for adds HF's)."""
    with reading(catalog) as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).where(votes.c.paper_id == paper_id)
            ).scalar_one()
        )
