"""Collection pages: one's own collections, someone's public ones, a collection's papers
and its exports (JSONL, BibTeX), and the forms that make and change them.

Part of the community pages (pages/community.py says how their forms work; web/routes.py
who may use each route); each form answers with a 303 to what it changed, or shows the
form again with a refusal (making a collection).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from paperwire.accounts.users import find_user
from paperwire.catalog.display import excerpt
from paperwire.community import collections as community_collections
from paperwire.community.engagement import engagement_for
from paperwire.errors import CommunityError, NotFound
from paperwire.urls import paper_path
from paperwire.web import present
from paperwire.web.auth import CurrentViewer, viewer
from paperwire.web.community_view import (
    RowId,
    back,
    collection_url,
    here,
    page_viewer,
    paper_key,
    render,
    signed_in,
    upvoted_on,
    with_retry,
)
from paperwire.web.context import WebContext, web_context
from paperwire.web.params import FormRowId

Context = Annotated[WebContext, Depends(web_context)]

COLLECTION_PAGE_SIZE = 50
MAX_COLLECTION_PAGE = 100
Next = Annotated[str, Form(max_length=2000)]
Name = Annotated[str, Form(max_length=community_collections.NAME_MAX * 2)]
Description = Annotated[str, Form(max_length=community_collections.DESCRIPTION_MAX * 2)]


def _my_collections_page(
    request: Request,
    web: WebContext,
    current: CurrentViewer,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    user = signed_in(current)
    context = {
        "title": "Your collections",
        "member": page_viewer(request, web),
        "owner": user.username,
        "collections": community_collections.collections_of(web.catalog, user.username, user),
        "is_owner": True,
        "error": error,
        "form": form or {"name": "", "description": "", "public": False},
    }
    return render(request, "collections.html", context, status)


def my_collections(request: Request, web: Context, current: CurrentViewer) -> Response:
    return _my_collections_page(request, web, current)


def create_collection_form(
    request: Request,
    web: Context,
    current: CurrentViewer,
    name: Name = "",
    description: Description = "",
    public: Annotated[bool, Form()] = False,
) -> Response:
    try:
        created = community_collections.create_collection(
            web.catalog, current.user, name, description=description, public=public
        )
    except CommunityError as error:
        form = {"name": name, "description": description, "public": public}
        page = _my_collections_page(
            request, web, current, error=str(error), form=form, status=error.status
        )
        return with_retry(page, error)
    return RedirectResponse(collection_url(created), status_code=303)


def edit_collection_form(
    web: Context,
    current: CurrentViewer,
    collection_id: RowId,
    name: Name = "",
    description: Description = "",
    public: Annotated[bool, Form()] = False,
) -> Response:
    """Rename, describe, and make public or private (the form sends all three)."""
    changed = community_collections.update_collection(
        web.catalog,
        current.user,
        collection_id,
        name=name,
        description=description,
        public=public,
    )
    return RedirectResponse(collection_url(changed), status_code=303)


def delete_collection_form(web: Context, current: CurrentViewer, collection_id: RowId) -> Response:
    community_collections.delete_collection(web.catalog, current.user, collection_id)
    return RedirectResponse("/collections", status_code=303)


def remove_from_collection_form(
    web: Context,
    current: CurrentViewer,
    collection_id: RowId,
    paper_id: Annotated[str, Form(max_length=300)],
    next: Next = "",
) -> Response:
    community_collections.remove_paper(web.catalog, current.user, collection_id, paper_id)
    return back(next, "/collections")


def add_to_collection_form(
    web: Context,
    current: CurrentViewer,
    paper_id: str,
    collection_id: FormRowId,
    next: Next = "",
) -> Response:
    target = paper_key(paper_id)
    community_collections.add_paper(web.catalog, current.user, collection_id, target)
    return back(next, paper_path(target))


def user_collections(request: Request, web: Context, username: str) -> Response:
    """Someone's public collections (their own private ones too, for the owner)."""
    owner = find_user(web.catalog, username) if len(username) <= 64 else None
    if owner is None or owner.disabled:
        raise HTTPException(status_code=404, detail=f"No user {username[:64]!r} here.")
    me = page_viewer(request, web)
    if me is not None and me.user.id == owner.id:
        return RedirectResponse("/collections", status_code=303)
    context = {
        "title": f"Collections of {owner.username}",
        "member": me,
        "owner": owner.username,
        "collections": community_collections.collections_of(
            web.catalog, owner.username, me.user if me else None
        ),
        "is_owner": False,
    }
    return render(request, "collections.html", context)


def _visible_collection(
    request: Request, web: WebContext, username: str, slug: str
) -> community_collections.Collection:
    current = viewer(request, web)
    try:
        return community_collections.get_collection(web.catalog, username, slug, current.user)
    except NotFound:
        raise HTTPException(status_code=404, detail="No such collection.") from None


def _download_name(collection: community_collections.Collection, extension: str) -> str:
    return f'attachment; filename="{collection.owner}-{collection.slug}.{extension}"'


# Before the collection page in the table, whose {slug} would otherwise take "x.bib".
def export_collection_jsonl(request: Request, web: Context, username: str, slug: str) -> Response:
    """The papers in paperwire's JSONL export format (`paperwire ingest` reads it back)."""
    collection = _visible_collection(request, web, username, slug)
    return StreamingResponse(
        community_collections.export_jsonl(web.catalog, collection),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": _download_name(collection, "jsonl")},
    )


def export_collection_bibtex(request: Request, web: Context, username: str, slug: str) -> Response:
    collection = _visible_collection(request, web, username, slug)
    return Response(
        community_collections.export_bibtex(web.catalog, collection),
        media_type="application/x-bibtex; charset=utf-8",
        headers={"Content-Disposition": _download_name(collection, "bib")},
    )


def collection_page(
    request: Request,
    web: Context,
    username: str,
    slug: str,
    page: Annotated[int, Query(ge=1, le=MAX_COLLECTION_PAGE)] = 1,
) -> Response:
    collection = _visible_collection(request, web, username, slug)
    papers = community_collections.collection_papers(
        web.catalog,
        collection,
        limit=COLLECTION_PAGE_SIZE,
        offset=(page - 1) * COLLECTION_PAGE_SIZE,
    )
    if page > 1 and not papers:
        raise HTTPException(status_code=404, detail=f"There is no page {page} of this list.")
    me = page_viewer(request, web)
    url = collection_url(collection)
    context = {
        "title": collection.name,
        "member": me,
        "here": here(request),
        "collection": collection,
        "url": url,
        "is_owner": me is not None and me.user.id == collection.owner_id,
        "cards": present.cards(
            papers, engagement_for(web.catalog, papers), upvoted_on(web, me, papers)
        ),
        "pager": present.Pager(url, {}, page, COLLECTION_PAGE_SIZE, collection.item_count),
        # The cards show titles and abstract excerpts: TeX in either needs KaTeX.
        "math": present.has_tex(
            text for paper in papers for text in (paper.title, excerpt(paper.abstract))
        ),
    }
    return render(request, "collection.html", context)
