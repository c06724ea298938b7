"""The signed-in reader's recommendations over JSON: /api/v1/me/recommendations.

Clients authenticate like the rest of /api/v1/me (a bearer token, or the session cookie
plus `X-CSRF-Token` for changes). A rating is recorded and the reader re-ranked before the
answer goes out, so the next GET already reflects it. The export is everything stored about
the reader for recommendations (recommend.signals.export): signals, interests, the stored
ranking and their feed links' dates, never a feed secret (only hashes are kept).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from paperwire.errors import NotFound
from paperwire.recommend import signals
from paperwire.web.api.models import json_response, site_base
from paperwire.web.api.papers import papers_out
from paperwire.web.api.recommendation_models import (
    ExportOut,
    ReasonOut,
    RecommendationOut,
    RecommendationsOut,
    SignalIn,
    SignalOut,
)
from paperwire.web.auth import CurrentViewer
from paperwire.web.community_view import paper_key
from paperwire.web.context import WebContext, web_context
from paperwire.web.for_you_view import basis_of, reader_of, recommender
from paperwire.web.pages.for_you import signal

Context = Annotated[WebContext, Depends(web_context)]
MAX_LIMIT = 100
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many (1-100).")]


def _known(web: WebContext, paper_id: str) -> str:
    paper = web.catalog.get(paper_key(paper_id))
    if paper is None:
        raise NotFound(f"no paper {paper_id[:100]!r}")
    return paper.id


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def my_recommendations(
    request: Request, web: Context, current: CurrentViewer, limit: Limit = 20
) -> Response:
    """Best first, each with why; recomputed first when a rating came in since."""
    reader = reader_of(current)
    page = recommender(request, web).recommend(reader, limit=limit)
    base = site_base(request, web.settings)
    shown = papers_out(web.catalog, [item.paper for item in page.items], base)
    basis = basis_of(web, reader, page)
    items = [
        RecommendationOut(
            paper=paper,
            score=item.score,
            reasons=[
                ReasonOut(kind=reason.kind, text=reason.text, paper_id=reason.paper_id)
                for reason in item.reasons
            ],
        )
        for paper, item in zip(shown, page.items, strict=True)
    ]
    out = RecommendationsOut(
        basis=page.basis,
        basis_text=basis.text,
        liked=basis.liked,
        computed_at=page.computed_at,
        items=items,
    )
    return _private(json_response(out))


def rate(request: Request, web: Context, current: CurrentViewer, body: SignalIn) -> Response:
    """Rate a paper: +1 more like this, -1 not interested (replaces an earlier rating
    of the same source)."""
    found = _known(web, body.paper_id)
    signal(request, web, reader_of(current), found, body.source, body.value)
    return json_response(SignalOut(paper_id=found, source=body.source, value=body.value))


def unrate(
    request: Request,
    web: Context,
    current: CurrentViewer,
    paper_id: str,
    source: Annotated[Literal["for_you", "card"], Query()] = "for_you",
) -> Response:
    """Take back a rating (nothing to take back is fine too)."""
    found = _known(web, paper_id)
    reader = reader_of(current)
    signals.forget(web.catalog.engine, reader, found, source)
    recommender(request, web).refresh_reader(reader)
    return Response(status_code=204)


def export(web: Context, current: CurrentViewer) -> Response:
    """Everything stored about you for recommendations."""
    stored = signals.export(web.catalog.engine, reader_of(current))
    return _private(json_response(ExportOut.model_validate(stored)))
