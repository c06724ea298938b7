"""What the pages, both JSON APIs and the feeds share about the community: paper ids as
the library knows them, the signed-in viewer's part of a page, and trending lists.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from paperwire.accounts.model import User
from paperwire.accounts.security import safe_next
from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.model import Paper
from paperwire.catalog.periods import Period
from paperwire.catalog.store import Catalog
from paperwire.community import collections as community_collections
from paperwire.community import votes
from paperwire.community.trending import TrendingPage, TrendingParams, trending_page
from paperwire.config import Settings
from paperwire.errors import CommunityError
from paperwire.web import params, present
from paperwire.web.auth import Viewer, viewer
from paperwire.web.context import WebContext
from paperwire.web.errors import retry_after
from paperwire.web.middleware.csrf import csrf_token_for
from paperwire.web.templating import TEMPLATES

# Ids of comments and collections: the one bounded type of web/params.py.
MAX_ROW_ID = params.MAX_ROW_ID
RowId = params.RowId

# -- requests and answers --------------------------------------------------------------


def with_retry(response: Response, error: CommunityError) -> Response:
    """A form shown again with a refusal, with Retry-After when the refusal was "too many"
    (refusals that are not answered with their form go to web/errors.py)."""
    response.headers.update(retry_after(error))
    return response


def paper_key(paper_id: str) -> str:
    """An id as the library knows papers: versions and arXiv URLs reduced to the bare id."""
    parsed = parse_arxiv_id(paper_id) if len(paper_id) <= 300 else None
    return parsed[0] if parsed else paper_id


def collection_url(collection: community_collections.Collection) -> str:
    return f"/users/{collection.owner}/collections/{collection.slug}"


def here(request: Request) -> str:
    """This page's path and query, where its forms come back to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def back(target: str | None, default: str) -> RedirectResponse:
    """A form's 303 to its (safe) `next`, or to `default`."""
    return RedirectResponse(safe_next(target, default), status_code=303)


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    return TEMPLATES.TemplateResponse(request, f"community/{template}", context, status_code=status)


# -- the viewer's part of a page -------------------------------------------------------


def signed_in(current: Viewer) -> User:
    # The route needs an account (web/routes.py): only signed-in viewers get here.
    assert current.user is not None
    return current.user


def page_viewer(request: Request, web: WebContext) -> present.Member | None:
    """The signed-in viewer's part of a page (their CSRF token and collections); None for
    anonymous visitors, whose pages stay the same for everybody (and are cached)."""
    current = viewer(request, web)
    if current.user is None:
        return None
    owned = community_collections.collections_of(web.catalog, current.user.username, current.user)
    return present.Member(
        current.user,
        csrf_token_for(request, None, web),
        tuple(present.CollectionChoice(item.id, item.name) for item in owned),
    )


def upvoted_on(web: WebContext, me: present.Member | None, papers: Sequence[Paper]) -> set[str]:
    """Which of a page's papers the viewer upvoted: one query, only for signed-in viewers."""
    if me is None:
        return set()
    return votes.upvoted_among(web.catalog, me.user, [paper.id for paper in papers])


# -- trending --------------------------------------------------------------------------


def trending_params(settings: Settings) -> TrendingParams:
    return TrendingParams.from_settings(settings)


def trending_window(catalog: Catalog, params: TrendingParams) -> Period | None:
    """The listing days trending ranks: the window's length up to the latest listing day
    (not the calendar's today, so a site that stopped ingesting still shows its last days)."""
    latest = catalog.latest_listed_on()
    if latest is None:
        return None
    # A span of listing dates, not a calendar week: Period only carries the bounds here.
    return Period("week", latest - dt.timedelta(days=params.window_days - 1), latest)


def trending_list(
    web: WebContext, query: ListQuery | None = None, *, limit: int, offset: int = 0
) -> TrendingPage:
    """Papers by trending score (community/trending.py), for /trending, its feed,
    /api/daily_papers?sort=trending and /api/v1/papers?order=trending alike. Without a
    period in `query`, the trending window's papers."""
    params = trending_params(web.settings)
    query = query or ListQuery()
    if query.period is None:
        window = trending_window(web.catalog, params)
        if window is None:
            return TrendingPage()
        query = dataclasses.replace(query, period=window)
    return trending_page(web.catalog, params, query, limit=limit, offset=offset)
