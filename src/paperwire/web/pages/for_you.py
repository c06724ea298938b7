"""/for-you: the signed-in reader's recommendations, each with why, and the card actions
that teach the recommender (👍/👎 here, "more like this" / "not interested" on every card).

Every form POSTs with the page's CSRF token and answers with a 303 (so it all works without
JavaScript; static/for_you.js sends the same signals to the JSON API instead). A signal is
recorded, the reader's ranking is recomputed at once (Recommender.refresh_reader, a few
milliseconds), and the page they come back to shows the new ranking. The preferences page
(cold start, imports, the private feed) is pages/for_you_preferences.py.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Form, Query, Request
from fastapi.responses import Response

from paperwire.catalog.display import excerpt
from paperwire.community.engagement import engagement_for
from paperwire.errors import NotFound
from paperwire.recommend import signals
from paperwire.recommend.readers import Reader
from paperwire.urls import paper_path
from paperwire.web import present
from paperwire.web.auth import CurrentViewer
from paperwire.web.community_view import back, here, page_viewer, paper_key, upvoted_on
from paperwire.web.context import WebContext, web_context
from paperwire.web.for_you_view import PAGE_SIZE, basis_of, reader_of, recommender
from paperwire.web.pages.thumbnails import thumbnailed
from paperwire.web.templating import TEMPLATES

Context = Annotated[WebContext, Depends(web_context)]
Next = Annotated[str, Form(max_length=2000)]
PaperField = Annotated[str, Form(max_length=300)]
# Fixed notices for ?done= (the URL names the paper; its title comes from the catalog).
DONE = {
    "up": "You liked “{title}”: your picks are updated.",
    "down": "You rated “{title}” 👎: your picks are updated.",
    "clear": "What you said about “{title}” is taken back.",
    "hidden": "“{title}” is hidden: you will not be shown it again, and see less like it.",
    "more": "Noted: more papers like “{title}”.",
}


def for_you_page(
    request: Request,
    web: Context,
    current: CurrentViewer,
    done: Annotated[str, Query(max_length=20)] = "",
    paper: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    reader = reader_of(current)
    found = recommender(request, web).recommend(reader, limit=PAGE_SIZE)
    papers = [item.paper for item in found.items]
    member = page_viewer(request, web)
    notice = _notice(web, done, paper)
    cards = present.cards(
        papers,
        engagement_for(web.catalog, papers),
        upvoted_on(web, member, papers),
        None,
        thumbnailed(web, [p.id for p in papers]),
    )
    context: dict[str, Any] = {
        "title": "For you",
        "member": member,
        "here": here(request),
        "basis": basis_of(web, reader, found),
        "picks": list(zip(cards, found.items, strict=True)),
        "computed_at": found.computed_at,
        "notice": notice,
        # Only a paper the catalog has (the notice names it) gets an undo button.
        "undo": paper_key(paper) if notice and done != "clear" else None,
        "math": present.has_tex(t for p in papers for t in (p.title, excerpt(p.abstract))),
    }
    response = TEMPLATES.TemplateResponse(request, "for_you.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _notice(web: WebContext, done: str, paper_id: str) -> str | None:
    """The ?done= notice, naming the paper only when the catalog has it (the URL cannot
    make the page say anything else)."""
    if done not in DONE or not paper_id:
        return None
    paper = web.catalog.get(paper_key(paper_id))
    return DONE[done].format(title=paper.title) if paper else None


def _known(web: WebContext, paper_id: str) -> str:
    """The catalog id of `paper_id` (versions and URLs reduced); 404 when unknown."""
    paper = web.catalog.get(paper_key(paper_id))
    if paper is None:
        raise NotFound(f"no paper {paper_id[:100]!r}")
    return paper.id


def signal(
    request: Request,
    web: WebContext,
    reader: Reader,
    paper_id: str,
    source: Literal["for_you", "card"],
    value: int | None,
) -> None:
    """Record (value ±1) the reader's signal, or take back (None) what they said about the
    paper on /for-you and its cards, then re-rank them now."""
    engine = web.catalog.engine
    if value is None:
        for said in ("for_you", "card"):
            signals.forget(engine, reader, paper_id, said)
    else:
        signals.record(engine, web.catalog.clock, reader, paper_id, source, value)
    recommender(request, web).refresh_reader(reader)


def _done(target: str, done: str, paper_id: str) -> Response:
    return back(None, present.with_query(target, {"done": done, "paper": paper_id}))


def rate_form(
    request: Request,
    web: Context,
    current: CurrentViewer,
    paper_id: PaperField = "",
    value: Annotated[Literal["up", "down", "clear"], Form()] = "up",
) -> Response:
    """👍 (up), 👎 (down) or take back (clear) a rating on /for-you."""
    found = _known(web, paper_id)
    wanted = {"up": 1, "down": -1, "clear": None}[value]
    signal(request, web, reader_of(current), found, "for_you", wanted)
    return _done("/for-you", value, found)


def not_interested_form(
    request: Request, web: Context, current: CurrentViewer, paper_id: str, next: Next = ""
) -> Response:
    """Hide a paper from one's recommendations (a -1 of source "card")."""
    found = _known(web, paper_id)
    signal(request, web, reader_of(current), found, "card", -1)
    return _back_with(next, "hidden", found)


def more_like_this_form(
    request: Request, web: Context, current: CurrentViewer, paper_id: str, next: Next = ""
) -> Response:
    """Ask for more papers like this one (a +1 of source "card")."""
    found = _known(web, paper_id)
    signal(request, web, reader_of(current), found, "card", 1)
    return _back_with(next, "more", found)


def _back_with(target: str, done: str, paper_id: str) -> Response:
    """To /for-you with the notice when the card was there; elsewhere back to `next`."""
    if target.startswith("/for-you") and not target.startswith("/for-you/"):
        return _done("/for-you", done, paper_id)
    return back(target, paper_path(paper_id))
