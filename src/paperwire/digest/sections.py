"""The parts of a digest. Each Section proposes candidate papers per subscriber and window;
the composer drops papers the subscriber was already sent, and papers an earlier part of
the same digest shows, and keeps each part's first `limit`.

Sections are pluggable: `SECTIONS` maps a name to a factory; a "for you" section (the
recommendations issue) registers itself there. Sections are built once per compose run and
cache what all subscribers share (the trending list of a window, one search per topic and
window), so a run costs one query per distinct window and topic, not per subscriber.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from paperwire.catalog.listing import ListQuery
from paperwire.catalog.periods import Period
from paperwire.catalog.store import Catalog
from paperwire.community.trending import TrendingParams, trending_page
from paperwire.digest.model import Subscriber
from paperwire.search.filters import SearchFilters
from paperwire.search.query import QueryError

if TYPE_CHECKING:
    from paperwire.search.searcher import Searcher

# Candidates fetched per list: enough that a subscriber's already-sent papers can be
# skipped and the part still fills up.
TRENDING_CANDIDATES = 100
TOPIC_CANDIDATES = 30
TOPIC_PAPERS = 5  # per topic (at most the subscriber's paper count)


@dataclass(frozen=True, slots=True)
class Window:
    """Listing days a digest covers (inclusive)."""

    since: dt.date
    until: dt.date

    @property
    def period(self) -> Period:
        # Any Period kind will do: the catalog only reads the span.
        return Period("week", self.since, self.until)


@dataclass(slots=True)
class Part:
    key: str  # "trending", "topic:<query>", ...
    title: str
    candidates: list[str]
    limit: int


@dataclass
class ComposeContext:
    catalog: Catalog
    searcher: Searcher | None = None
    # The community's trending score (docs/trending.md); the worker passes the settings'.
    trending: TrendingParams = field(default_factory=TrendingParams)
    # Problems worth reporting once per run (a topic that cannot be searched...).
    warnings: set[str] = field(default_factory=set)


class Section(Protocol):
    def parts(self, subscriber: Subscriber, window: Window) -> list[Part]: ...


SectionFactory = Callable[[ComposeContext], Section]


class TrendingSection:
    """The period's trending papers, by the community's trending score (the same order as
    /trending), highest first."""

    def __init__(self, context: ComposeContext) -> None:
        self.context = context
        self._cache: dict[Window, list[str]] = {}

    def parts(self, subscriber: Subscriber, window: Window) -> list[Part]:
        ids = self._cache.get(window)
        if ids is None:
            page = trending_page(
                self.context.catalog,
                self.context.trending,
                ListQuery(period=window.period),
                limit=TRENDING_CANDIDATES,
            )
            ids = self._cache[window] = [paper.id for paper in page.papers]
        limit = subscriber.preferences.paper_count
        return [Part("trending", "Trending papers", ids, limit)]


class TopicSection:
    """New papers matching each of the subscriber's saved searches (hybrid search over the
    window's listings)."""

    def __init__(self, context: ComposeContext) -> None:
        self.context = context
        self._cache: dict[tuple[str, Window], list[str]] = {}

    def parts(self, subscriber: Subscriber, window: Window) -> list[Part]:
        limit = min(TOPIC_PAPERS, subscriber.preferences.paper_count)
        return [
            Part(f"topic:{topic}", topic, self._matches(topic, window), limit)
            for topic in subscriber.preferences.topics
        ]

    def _matches(self, topic: str, window: Window) -> list[str]:
        key = (topic, window)
        if key not in self._cache:
            self._cache[key] = self._search(topic, window)
        return self._cache[key]

    def _search(self, topic: str, window: Window) -> list[str]:
        searcher = self.context.searcher
        if searcher is None:
            self.context.warnings.add("no search index: topic sections left out")
            return []
        filters = SearchFilters(listed_from=window.since, listed_to=window.until)
        try:
            results = searcher.search(topic, mode="hybrid", limit=TOPIC_CANDIDATES, filters=filters)
        except QueryError as error:
            self.context.warnings.add(f"topic {topic!r}: {error}")
            return []
        return [result.id for result in results]


SECTIONS: dict[str, SectionFactory] = {
    "trending": TrendingSection,
    "topics": TopicSection,
}


def register_section(name: str, factory: SectionFactory) -> None:
    """Add a section (digests show sections in registration order)."""
    SECTIONS[name] = factory
