"""Collections: named lists of papers, public or private, one namespace per account.

A collection is addressed by its owner and slug (/users/<name>/collections/<slug>); the
slug comes from the name, so two names with one slug are the same name. A private
collection is visible to its owner only: to everybody else it does not exist (NotFound,
never Forbidden, so its name does not leak). Exports: the paperwire JSONL export format and
BibTeX (community/bibtex.py).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from paperwire.accounts.model import User
from paperwire.accounts.schema import users
from paperwire.accounts.security import require_role
from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog
from paperwire.community import bibtex
from paperwire.community.papers import removal_target, resolve_paper_id
from paperwire.community.schema import collection_items, collections
from paperwire.db.connections import insert_ignoring_duplicates, now, reading, writing
from paperwire.db.values import as_utc
from paperwire.errors import CommunityError, Conflict, NotFound, TooMany
from paperwire.ingest.export import paper_to_export

NAME_MAX = 100
DESCRIPTION_MAX = 2000
MAX_COLLECTIONS = 100  # per account
MAX_ITEMS = 5000  # per collection
_EXPORT_PAGE = 500


@dataclass(frozen=True, slots=True)
class Collection:
    id: int
    owner: str
    owner_id: int
    name: str
    slug: str
    description: str
    is_public: bool
    item_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


def slugify(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = "-".join(re.findall(r"[a-z0-9]+", folded.lower()))[:80].strip("-")
    return slug or "collection"


def _clean_name(name: str) -> str:
    name = " ".join("".join(ch for ch in name if ch.isprintable()).split())
    if not name:
        raise CommunityError("a collection needs a name")
    if len(name) > NAME_MAX:
        raise CommunityError(f"a collection name may have at most {NAME_MAX} characters")
    return name


def _clean_description(text: str) -> str:
    text = "".join(ch for ch in text.replace("\r\n", "\n") if ch == "\n" or ch.isprintable())
    if len(text) > DESCRIPTION_MAX:
        raise CommunityError(f"a description may have at most {DESCRIPTION_MAX} characters")
    return text.strip()


def _select() -> sa.Select[Any]:
    count = (
        sa.select(sa.func.count())
        .where(collection_items.c.collection_id == collections.c.id)
        .scalar_subquery()
    )
    return sa.select(collections, users.c.username, count.label("item_count")).join(
        users, users.c.id == collections.c.user_id
    )


def _from_row(row: sa.Row[Any]) -> Collection:
    return Collection(
        id=int(row.id),
        owner=row.username,
        owner_id=int(row.user_id),
        name=row.name,
        slug=row.slug,
        description=row.description,
        is_public=bool(row.is_public),
        item_count=int(row.item_count),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


def _load(catalog: Catalog, collection_id: int) -> Collection:
    with reading(catalog) as connection:
        row = connection.execute(_select().where(collections.c.id == collection_id)).first()
    if row is None:
        raise NotFound("no such collection")
    return _from_row(row)


def _owned(connection: sa.Connection, user: User, collection_id: int) -> None:
    owner = connection.execute(
        sa.select(collections.c.user_id).where(collections.c.id == collection_id)
    ).scalar_one_or_none()
    if owner is None or owner != user.id:
        raise NotFound("no such collection")


def create_collection(
    catalog: Catalog, user: User | None, name: str, *, description: str = "", public: bool = False
) -> Collection:
    owner = require_role(user)
    clean = _clean_name(name)
    moment = now(catalog)
    with writing(catalog) as connection:
        owned = connection.execute(
            sa.select(sa.func.count()).where(collections.c.user_id == owner.id)
        ).scalar_one()
        if owned >= MAX_COLLECTIONS:
            raise TooMany(f"an account may have at most {MAX_COLLECTIONS} collections")
        try:
            with connection.begin_nested():
                collection_id = connection.execute(
                    collections.insert()
                    .values(
                        user_id=owner.id,
                        name=clean,
                        slug=slugify(clean),
                        description=_clean_description(description),
                        is_public=public,
                        created_at=moment,
                        updated_at=moment,
                    )
                    .returning(collections.c.id)
                ).scalar_one()
        except sa.exc.IntegrityError:
            raise Conflict(f"you have a collection named {clean!r} already") from None
    return _load(catalog, int(collection_id))


def update_collection(
    catalog: Catalog,
    user: User | None,
    collection_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    public: bool | None = None,
) -> Collection:
    owner = require_role(user)
    values: dict[str, Any] = {"updated_at": now(catalog)}
    if name is not None:
        values["name"] = _clean_name(name)
        values["slug"] = slugify(values["name"])
    if description is not None:
        values["description"] = _clean_description(description)
    if public is not None:
        values["is_public"] = public
    with writing(catalog) as connection:
        _owned(connection, owner, collection_id)
        try:
            with connection.begin_nested():
                connection.execute(
                    collections.update().where(collections.c.id == collection_id).values(**values)
                )
        except sa.exc.IntegrityError:
            raise Conflict(f"you have a collection named {values['name']!r} already") from None
    return _load(catalog, collection_id)


def delete_collection(catalog: Catalog, user: User | None, collection_id: int) -> None:
    owner = require_role(user)
    with writing(catalog) as connection:
        _owned(connection, owner, collection_id)
        connection.execute(collections.delete().where(collections.c.id == collection_id))


def delete_all_of(catalog: Catalog, user_id: int) -> int:
    """Delete every collection of an account, public ones too (for deleting the account:
    a collection is its owner's own, not a contribution to others); returns how many."""
    with writing(catalog) as connection:
        owned = sa.select(collections.c.id).where(collections.c.user_id == user_id)
        connection.execute(
            collection_items.delete().where(collection_items.c.collection_id.in_(owned))
        )
        removed = connection.execute(collections.delete().where(collections.c.user_id == user_id))
        return int(removed.rowcount)


def add_paper(catalog: Catalog, user: User | None, collection_id: int, paper_id: str) -> bool:
    """Add a paper (True), or find it there already (False)."""
    owner = require_role(user)
    moment = now(catalog)
    with writing(catalog) as connection:
        _owned(connection, owner, collection_id)
        target = resolve_paper_id(connection, paper_id)
        if target is None:
            raise NotFound(f"no paper {paper_id!r}")
        size = connection.execute(
            sa.select(sa.func.count()).where(collection_items.c.collection_id == collection_id)
        ).scalar_one()
        if size >= MAX_ITEMS:
            raise TooMany(f"a collection holds at most {MAX_ITEMS} papers")
        added = connection.execute(
            insert_ignoring_duplicates(connection, collection_items)
            .values(collection_id=collection_id, paper_id=target, added_at=moment)
            .returning(collection_items.c.paper_id)
        ).first()
        connection.execute(
            collections.update().where(collections.c.id == collection_id).values(updated_at=moment)
        )
    return added is not None


def remove_paper(catalog: Catalog, user: User | None, collection_id: int, paper_id: str) -> bool:
    owner = require_role(user)
    with writing(catalog) as connection:
        _owned(connection, owner, collection_id)
        target = removal_target(connection, paper_id)
        if target is None:
            return False
        removed = connection.execute(
            collection_items.delete().where(
                collection_items.c.collection_id == collection_id,
                collection_items.c.paper_id == target,
            )
        ).rowcount
    return bool(removed)


def collections_of(catalog: Catalog, username: str, viewer: User | None = None) -> list[Collection]:
    """An account's collections by name; private ones only when the viewer is the owner."""
    query = _select().where(users.c.username_key == username.lower())
    with reading(catalog) as connection:
        rows = connection.execute(query.order_by(collections.c.name, collections.c.id)).all()
    found = [_from_row(row) for row in rows]
    return [c for c in found if c.is_public or (viewer is not None and viewer.id == c.owner_id)]


def get_collection(
    catalog: Catalog, username: str, slug: str, viewer: User | None = None
) -> Collection:
    with reading(catalog) as connection:
        row = connection.execute(
            _select().where(users.c.username_key == username.lower(), collections.c.slug == slug)
        ).first()
    if row is None:
        raise NotFound("no such collection")
    found = _from_row(row)
    if not found.is_public and (viewer is None or viewer.id != found.owner_id):
        raise NotFound("no such collection")
    return found


def collection_paper_ids(
    catalog: Catalog, collection: Collection, *, limit: int = 50, offset: int = 0
) -> list[str]:
    """Ids of the papers in a collection, most recently added first."""
    with reading(catalog) as connection:
        rows = connection.execute(
            sa.select(collection_items.c.paper_id)
            .where(collection_items.c.collection_id == collection.id)
            .order_by(collection_items.c.added_at.desc(), collection_items.c.paper_id)
            .limit(limit)
            .offset(offset)
        ).scalars()
        return [str(paper_id) for paper_id in rows]


def collection_papers(
    catalog: Catalog, collection: Collection, *, limit: int = 50, offset: int = 0
) -> list[Paper]:
    return catalog.get_many(collection_paper_ids(catalog, collection, limit=limit, offset=offset))


def _all_papers(catalog: Catalog, collection: Collection) -> Iterator[Paper]:
    for offset in range(0, max(collection.item_count, 1), _EXPORT_PAGE):
        yield from collection_papers(catalog, collection, limit=_EXPORT_PAGE, offset=offset)


def export_jsonl(catalog: Catalog, collection: Collection) -> Iterator[str]:
    """The collection's papers as lines of the paperwire export format (ingestible)."""
    for paper in _all_papers(catalog, collection):
        yield orjson.dumps(paper_to_export(paper)).decode("utf-8") + "\n"


def export_bibtex(catalog: Catalog, collection: Collection) -> str:
    return bibtex.bibliography(list(_all_papers(catalog, collection)))
