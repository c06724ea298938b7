"""What the /for-you pages, the recommendations API and the private feed share: the
app's one Recommender, the signed-in reader, and how a page's basis is put in words.

One Recommender per app (kept on app.state): it caches the candidate pool and its trending
scores for a few minutes (recommend/engine.py), which a Recommender per request would throw
away each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from paperwire.recommend import readers
from paperwire.recommend.engine import RecommendationPage, Recommender
from paperwire.recommend.readers import Reader
from paperwire.recommend.signals import reader_signals
from paperwire.web.auth import Viewer
from paperwire.web.community_view import trending_params
from paperwire.web.context import WebContext

PAGE_SIZE = 20


def recommender(request: Request, web: WebContext) -> Recommender:
    """The app's Recommender, made on first use."""
    found: Recommender | None = getattr(request.app.state, "recommender", None)
    if found is None or found.catalog is not web.catalog:
        found = Recommender(web.catalog, trending=trending_params(web.settings))
        request.app.state.recommender = found
    return found


def reader_of(current: Viewer) -> Reader:
    assert current.user is not None  # the route needs "user" (web/routes.py)
    return readers.user(current.user.id)


@dataclass(frozen=True, slots=True)
class Basis:
    """What a page of recommendations rests on, in words: `liked` is how many papers the
    reader told us they like (upvotes, saves, ratings, imports)."""

    kind: str  # personal | cold_start | empty
    liked: int
    disliked: int

    @property
    def text(self) -> str:
        if self.kind == "personal":
            return f"Based on your {_papers(self.liked)} liked: upvotes, saves and ratings."
        if self.kind == "cold_start":
            return (
                "Starting point: your topics and what's trending. Rate a few papers "
                "(👍 or 👎) to personalise."
            )
        return "Nothing to go on yet: pick some topics or import papers you like."


def _papers(count: int) -> str:
    return f"{count} paper" + ("" if count == 1 else "s")


def basis_of(web: WebContext, reader: Reader, page: RecommendationPage) -> Basis:
    """The page's basis with the reader's counts of likes and dislikes (latest per paper)."""
    latest: dict[str, int] = {}
    for signal in sorted(reader_signals(web.catalog.engine, reader), key=lambda s: s.created_at):
        latest[signal.paper_id] = signal.value
    liked = sum(1 for value in latest.values() if value > 0)
    return Basis(page.basis, liked, len(latest) - liked)
