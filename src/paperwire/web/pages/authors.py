"""An author's page: their papers, most recently listed first and paged, and the people
they wrote with (catalog/authors.py). Names are matched exactly as the sources spell them."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import Response

from paperwire.catalog.authors import author_page as find_author_papers
from paperwire.catalog.display import excerpt
from paperwire.community.engagement import engagement_for
from paperwire.web import present
from paperwire.web.community_view import here, page_viewer, upvoted_on
from paperwire.web.context import WebContext, web_context
from paperwire.web.pages.thumbnails import thumbnailed
from paperwire.web.templating import TEMPLATES

Context = Annotated[WebContext, Depends(web_context)]
PAGE_SIZE = 30
MAX_PAGE = 200
MAX_NAME = 300


def author_page(
    request: Request,
    web: Context,
    name: str,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    # Stored names are cleaned text (ingest): one with control characters (NUL, which
    # PostgreSQL refuses in a text parameter) names nobody.
    if (
        not name.strip()
        or len(name) > MAX_NAME
        or any(unicodedata.category(char) == "Cc" for char in name)
    ):
        raise HTTPException(status_code=404, detail="No such author here.")
    found = find_author_papers(web.catalog, name, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    if not found.papers and (page > 1 or found.total == 0):
        raise HTTPException(status_code=404, detail="No papers by this author here.")
    papers = found.papers
    member = page_viewer(request, web)
    texts = [text for paper in papers for text in (paper.title, excerpt(paper.abstract))]
    return TEMPLATES.TemplateResponse(
        request,
        "author.html",
        {
            "title": name,
            "name": name,
            "member": member,
            "here": here(request),
            "total": found.total,
            "coauthors": found.coauthors,
            "cards": present.cards(
                papers,
                engagement_for(web.catalog, papers),
                upvoted_on(web, member, papers),
                thumbnails=thumbnailed(web, [paper.id for paper in papers]),
            ),
            "pager": present.Pager(request.url.path, {}, page, PAGE_SIZE, found.total),
            "description": f"Papers by {name}",
            "math": present.has_tex(texts),
        },
    )
