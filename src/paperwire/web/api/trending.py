"""The community API's trending list: /api/v1/trending, each paper with what its score is
made of. Public: the same answer for every visitor.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from paperwire.catalog.listing import ListQuery
from paperwire.web.api.community_models import MAX_LIMIT, TrendingItem, TrendingOut
from paperwire.web.api.models import json_response, site_base
from paperwire.web.api.papers import papers_out
from paperwire.web.community_view import trending_list, trending_params, trending_window
from paperwire.web.context import WebContext, web_context

Context = Annotated[WebContext, Depends(web_context)]


def trending(
    request: Request,
    web: Context,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """The papers of the trending window (the latest listing days), highest score first,
    each with what its score is made of (docs/trending.md). The same order as /trending,
    /feeds/trending and /api/v1/papers?order=trending."""
    params = trending_params(web.settings)
    window = trending_window(web.catalog, params)
    ranked = trending_list(web, ListQuery(period=window), limit=limit, offset=offset)
    base = site_base(request, web.settings)
    papers = papers_out(web.catalog, ranked.papers, base)
    return json_response(
        TrendingOut(
            items=[TrendingItem(paper=out, trending=ranked.breakdowns[out.id]) for out in papers],
            total=ranked.total,
            limit=limit,
            offset=offset,
            window_start=window.start if window else None,
            window_end=window.end if window else None,
            gravity=params.gravity,
            comment_weight=params.comment_weight,
        )
    )
