"""The community API's collections: one's own (listed, made, changed, filled, emptied,
deleted) and anybody's public ones with their papers. Included by api_community.py, whose
docstring says how clients authenticate and what errors look like.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from paperwire.community import collections as community_collections
from paperwire.errors import CommunityError
from paperwire.web.api.community_models import (
    BEARER,
    MAX_LIMIT,
    CollectionDetail,
    CollectionIn,
    CollectionList,
    CollectionOut,
    CollectionPatch,
    ExportLinks,
    ItemIn,
    ItemOut,
    error_responses,
)
from paperwire.web.api.models import json_response, site_base
from paperwire.web.api.papers import papers_out
from paperwire.web.auth import CurrentViewer, requires
from paperwire.web.community_view import RowId, collection_url, community_error, paper_key
from paperwire.web.context import WebContext, web_context

router = APIRouter()
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


@router.get(
    "/api/v1/collections",
    summary="Your collections",
    response_model=CollectionList,
    responses=error_responses(401),
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
    responses=error_responses(400, 401, 409, 429),
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
    responses=error_responses(400, 401, 404, 409),
    dependencies=[requires("user"), BEARER],
)
def update_collection(
    request: Request,
    web: Context,
    current: CurrentViewer,
    collection_id: RowId,
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
    responses=error_responses(401, 404),
    dependencies=[requires("user"), BEARER],
)
def delete_collection(web: Context, current: CurrentViewer, collection_id: RowId) -> Response:
    try:
        community_collections.delete_collection(web.catalog, current.user, collection_id)
    except CommunityError as error:
        raise community_error(error) from None
    return Response(status_code=204)


@router.post(
    "/api/v1/collections/{collection_id}/items",
    summary="Add a paper to a collection",
    response_model=ItemOut,
    responses=error_responses(401, 404, 429),
    dependencies=[requires("user"), BEARER],
)
def add_item(web: Context, current: CurrentViewer, collection_id: RowId, body: ItemIn) -> Response:
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
    responses=error_responses(401, 404),
    dependencies=[requires("user"), BEARER],
)
def remove_item(
    web: Context, current: CurrentViewer, collection_id: RowId, paper_id: str
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
    responses=error_responses(404),
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
    responses=error_responses(404),
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
