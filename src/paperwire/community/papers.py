"""How community rows refer to catalog papers.

They keep a paper's id without a foreign key (see community/schema.py). Two consequences:
ids are resolved through the catalog's aliases before use, and when the catalog folds a
title-slug paper into its arXiv paper, `reassign_paper` moves the community's rows along
(a listener of the catalog's merge event, so it runs in the same transaction as the fold).
"""

from __future__ import annotations

import sqlalchemy as sa

from paperwire.catalog import events
from paperwire.catalog import schema as catalog_schema
from paperwire.catalog.ids import could_be_id
from paperwire.community.schema import collection_items, comments, star_counts, votes

_papers = catalog_schema.papers
_aliases = catalog_schema.paper_aliases


def resolve_paper_id(connection: sa.Connection, paper_id: str) -> str | None:
    """The catalog id of a paper given by id or by an id it was known by; None if unknown."""
    if not could_be_id(paper_id):
        return None
    found = connection.execute(
        sa.select(_papers.c.id).where(_papers.c.id == paper_id)
    ).scalar_one_or_none()
    if found is not None:
        return str(found)
    target = connection.execute(
        sa.select(_aliases.c.paper_id).where(_aliases.c.alias == paper_id)
    ).scalar_one_or_none()
    return str(target) if target is not None else None


def removal_target(connection: sa.Connection, paper_id: str) -> str | None:
    """The id whose rows a removal (an upvote, a collection item) deletes: the catalog's id
    for it, else the id as given (a vote on a submission still pending has no paper yet);
    None when no row can hold it."""
    return resolve_paper_id(connection, paper_id) or (paper_id if could_be_id(paper_id) else None)


@events.on_paper_merged
def reassign_paper(connection: sa.Connection, old_id: str, new_id: str) -> None:
    """Move votes, comments, collection items and star counts from `old_id` to `new_id`
    (rows that would duplicate one `new_id` already has are dropped)."""
    for table, owner in (
        (votes, votes.c.user_id),
        (collection_items, collection_items.c.collection_id),
    ):
        taken = sa.select(owner).where(table.c.paper_id == new_id)
        connection.execute(table.delete().where(table.c.paper_id == old_id, owner.in_(taken)))
        connection.execute(table.update().where(table.c.paper_id == old_id).values(paper_id=new_id))
    days = sa.select(star_counts.c.day).where(star_counts.c.paper_id == new_id)
    connection.execute(
        star_counts.delete().where(star_counts.c.paper_id == old_id, star_counts.c.day.in_(days))
    )
    connection.execute(
        star_counts.update().where(star_counts.c.paper_id == old_id).values(paper_id=new_id)
    )
    connection.execute(
        comments.update().where(comments.c.paper_id == old_id).values(paper_id=new_id)
    )
