"""The community API's collections: one's own (listed, made, changed, filled, emptied,
deleted) and anybody's public ones with their papers. api/community.py says how clients
authenticate and what errors look like; web/routes.py who may call each route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from paperwire.community import collections as community_collections
from paperwire.web.api.community_models import (
    MAX_LIMIT,
    CollectionDetail,
    CollectionIn,
    CollectionList,
    CollectionOut,
    CollectionPatch,
    ExportLinks,
    ItemIn,
    ItemOut,
)
from paperwire.web.api.models import json_response, site_base
from paperwire.web.api.papers import papers_out
from paperwire.web.auth import CurrentViewer
from paperwire.web.community_view import RowId, collection_url, paper_key
from paperwire.web.context import WebContext, web_context

Context = Annotated[WebContext, Depends(web_context)]


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


def my_collections(request: Request, web: Context, current: CurrentViewer) -> Response:
    """Public and private, by name."""
    assert current.user is not None
    base = site_base(request, web.settings)
    owned = community_collections.collections_of(web.catalog, current.user.username, current.user)
    return json_response(CollectionList(items=[_collection_out(c, base) for c in owned]))


def create_collection(
    request: Request, web: Context, current: CurrentViewer, body: CollectionIn
) -> Response:
    """Private unless `public` is true. Names are unique per account (by their slug)."""
    created = community_collections.create_collection(
        web.catalog, current.user, body.name, description=body.description, public=body.public
    )
    return json_response(
        _collection_out(created, site_base(request, web.settings)), status_code=201
    )


def update_collection(
    request: Request,
    web: Context,
    current: CurrentViewer,
    collection_id: RowId,
    body: CollectionPatch,
) -> Response:
    """Only the fields given change."""
    changed = community_collections.update_collection(
        web.catalog,
        current.user,
        collection_id,
        name=body.name,
        description=body.description,
        public=body.public,
    )
    return json_response(_collection_out(changed, site_base(request, web.settings)))


def delete_collection(web: Context, current: CurrentViewer, collection_id: RowId) -> Response:
    community_collections.delete_collection(web.catalog, current.user, collection_id)
    return Response(status_code=204)


def add_item(web: Context, current: CurrentViewer, collection_id: RowId, body: ItemIn) -> Response:
    target = paper_key(body.paper_id)
    added = community_collections.add_paper(web.catalog, current.user, collection_id, target)
    paper = web.catalog.get(target)
    return json_response(
        ItemOut(collection_id=collection_id, paper_id=paper.id if paper else target, changed=added)
    )


def remove_item(
    web: Context, current: CurrentViewer, collection_id: RowId, paper_id: str
) -> Response:
    target = paper_key(paper_id)
    removed = community_collections.remove_paper(web.catalog, current.user, collection_id, target)
    return json_response(ItemOut(collection_id=collection_id, paper_id=target, changed=removed))


def user_collections(
    request: Request, web: Context, current: CurrentViewer, username: str
) -> Response:
    """Their public collections (and private ones when you are that user)."""
    found = community_collections.collections_of(web.catalog, username[:64], current.user)
    base = site_base(request, web.settings)
    return json_response(CollectionList(items=[_collection_out(c, base) for c in found]))


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
    found = community_collections.get_collection(web.catalog, username, slug, current.user)
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
