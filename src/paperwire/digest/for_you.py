"""The digest's "For you" part: the subscriber's recommendations among the window's papers.

Registered right after "Trending papers" (so trending papers are not repeated in it, and it
comes before the saved-search parts). A subscriber with an account is ranked as that user
(their upvotes and collections count); one without signals gets no part at all. Also the
hook that tells the recommender which papers each reader was already mailed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from paperwire.digest import schema
from paperwire.digest.model import Subscriber
from paperwire.digest.sections import (
    SECTIONS,
    ComposeContext,
    Part,
    Window,
    register_section,
)
from paperwire.recommend.engine import ExcludeHook, Recommender
from paperwire.recommend.readers import Reader, for_subscriber
from paperwire.recommend.signals import reader_signals

FOR_YOU_PAPERS = 5  # at most; never more than the subscriber's paper count
FOR_YOU_CANDIDATES = 50  # enough that sent or already shown papers can be skipped
_IN_CHUNK = 5000


def sent_papers(engine: sa.Engine) -> ExcludeHook:
    """The recommender's `exclude` hook: papers mailed to each reader's subscriptions."""

    def sent(readers: Sequence[Reader]) -> Mapping[Reader, set[str]]:
        subscribers, sent_table = schema.subscribers, schema.sent_papers
        users = [reader.id for reader in readers if reader.kind == "user"]
        anonymous = [reader.id for reader in readers if reader.kind == "subscriber"]
        found: dict[Reader, set[str]] = {}
        joined = sent_table.join(subscribers, subscribers.c.id == sent_table.c.subscriber_id)
        with engine.connect() as connection:
            for column, ids, kind in (
                (subscribers.c.user_id, users, "user"),
                (subscribers.c.id, anonymous, "subscriber"),
            ):
                for start in range(0, len(ids), _IN_CHUNK):
                    rows = connection.execute(
                        sa.select(column, sent_table.c.paper_id)
                        .select_from(joined)
                        .where(column.in_(ids[start : start + _IN_CHUNK]))
                    )
                    for owner, paper_id in rows:
                        reader = Reader("user" if kind == "user" else "subscriber", int(owner))
                        found.setdefault(reader, set()).add(str(paper_id))
        return found

    return sent


class ForYouSection:
    def __init__(self, context: ComposeContext) -> None:
        self.context = context
        engine = context.catalog.engine
        self.recommender = Recommender(
            context.catalog,
            trending=context.trending,
            searcher=context.searcher,
            exclude=sent_papers(engine),
        )

    def parts(self, subscriber: Subscriber, window: Window) -> list[Part]:
        reader = for_subscriber(subscriber.id, subscriber.user_id)
        if not reader_signals(self.context.catalog.engine, reader):
            return []
        _, ids = self.recommender.candidates(reader, window.since, window.until, FOR_YOU_CANDIDATES)
        if not ids:
            return []
        limit = min(FOR_YOU_PAPERS, subscriber.preferences.paper_count)
        return [Part("for_you", "For you", ids, limit)]


def register() -> None:
    """Register the section right after "trending" (idempotent)."""
    if "for_you" in SECTIONS:
        return
    later = [name for name in SECTIONS if name != "trending"]
    moved = {name: SECTIONS.pop(name) for name in later}
    register_section("for_you", ForYouSection)
    for name, factory in moved.items():
        register_section(name, factory)


register()
