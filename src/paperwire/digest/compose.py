"""Composing digests: for each subscriber whose delivery hour has come, the sections' papers
listed since their last digest, minus what they were already sent, queued in the outbox.

Crash-safe and idempotent: each chunk of subscribers commits in one transaction (outbox
rows, sent papers, the next due time), an outbox row is unique per (subscriber, period),
and a subscriber's next due time moves by compare-and-swap, so two schedulers firing at
once, or a rerun after a crash, compose nothing twice. Empty digests are not queued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.community.trending import TrendingParams
from paperwire.db.connections import insert_ignoring_duplicates
from paperwire.db.engine import write_connection
from paperwire.digest import (
    for_you,  # noqa: F401  (registers the "For you" part)
    schema,
)
from paperwire.digest.model import Subscriber, subscriber_from_row
from paperwire.digest.schedule import FIRST_LOOKBACK_DAYS, Slot
from paperwire.digest.sections import SECTIONS, ComposeContext, Section, Window

if TYPE_CHECKING:
    from paperwire.search.searcher import Searcher

_subs = schema.subscribers
_outbox = schema.outbox
CHUNK = 500
# A digest nobody could send within this long is stale news: the sender gives up.
SEND_DEADLINE = dt.timedelta(hours=12)


@dataclass(slots=True)
class DigestPart:
    key: str
    title: str
    paper_ids: list[str]


@dataclass(slots=True)
class Digest:
    subscriber: Subscriber
    slot: Slot
    window: Window
    parts: list[DigestPart]

    @property
    def paper_ids(self) -> list[str]:
        return [paper_id for part in self.parts for paper_id in part.paper_ids]

    def payload(self) -> dict[str, Any]:
        return {
            "since": self.window.since.isoformat(),
            "until": self.window.until.isoformat(),
            "parts": [
                {"key": part.key, "title": part.title, "papers": part.paper_ids}
                for part in self.parts
            ],
        }


@dataclass
class ComposeReport:
    composed: int = 0
    empty: int = 0  # nothing new for them: no mail
    skipped: int = 0  # another composer (or an earlier run) got there first
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "composed": self.composed,
            "empty": self.empty,
            "skipped": self.skipped,
            "warnings": self.warnings,
        }


class Composer:
    def __init__(
        self,
        catalog: Catalog,
        searcher: Searcher | None = None,
        trending: TrendingParams | None = None,
    ) -> None:
        self.catalog = catalog
        self.context = ComposeContext(catalog, searcher, trending or TrendingParams())
        self.sections: list[Section] = [factory(self.context) for factory in SECTIONS.values()]

    def window(self, subscriber: Subscriber, now: dt.datetime) -> Window:
        until = now.astimezone(dt.UTC).date()
        lookback = FIRST_LOOKBACK_DAYS[subscriber.preferences.frequency]
        since = subscriber.covered_until or until - dt.timedelta(days=lookback)
        return Window(min(since, until), until)

    def compose(self, subscriber: Subscriber, now: dt.datetime, sent: set[str]) -> Digest:
        """The digest `subscriber` gets at `now`, leaving out the papers in `sent`."""
        window = self.window(subscriber, now)
        chosen: set[str] = set(sent)
        parts: list[DigestPart] = []
        for section in self.sections:
            for part in section.parts(subscriber, window):
                picked: list[str] = []
                for paper_id in part.candidates:
                    if len(picked) >= part.limit:
                        break
                    if paper_id not in chosen:
                        chosen.add(paper_id)
                        picked.append(paper_id)
                if picked:
                    parts.append(DigestPart(part.key, part.title, picked))
        slot = subscriber.preferences.schedule.due_slot(now)
        return Digest(subscriber, slot, window, parts)

    def candidates(self, subscriber: Subscriber, now: dt.datetime) -> set[str]:
        window = self.window(subscriber, now)
        return {
            paper_id
            for section in self.sections
            for part in section.parts(subscriber, window)
            for paper_id in part.candidates
        }

    def preview(self, subscriber: Subscriber, now: dt.datetime) -> Digest:
        """The digest as it would be composed now, without recording anything."""
        sent = sent_among(self.catalog.engine, [subscriber.id], self.candidates(subscriber, now))
        return self.compose(subscriber, now, sent.get(subscriber.id, set()))

    def compose_due(self, now: dt.datetime, *, force: bool = False) -> ComposeReport:
        """Queue the digests due at `now` (`force`: every confirmed subscriber's, as if their
        hour had come; still one per subscriber and local day)."""
        report = ComposeReport()
        after_id = 0
        while True:
            query = sa.select(_subs).where(_subs.c.status == "confirmed", _subs.c.id > after_id)
            if not force:
                query = query.where(_subs.c.next_due_at <= now)
            with self.catalog.engine.connect() as connection:
                rows = connection.execute(query.order_by(_subs.c.id).limit(CHUNK)).all()
            if not rows:
                break
            subscribers = [subscriber_from_row(row._mapping) for row in rows]
            after_id = subscribers[-1].id
            wanted = set().union(*(self.candidates(s, now) for s in subscribers))
            sent = sent_among(self.catalog.engine, [s.id for s in subscribers], wanted)
            digests = [self.compose(s, now, sent.get(s.id, set())) for s in subscribers]
            self._queue(digests, now, report)
        report.warnings = sorted(self.context.warnings)
        return report

    def _queue(self, digests: Sequence[Digest], now: dt.datetime, report: ComposeReport) -> None:
        with write_connection(self.catalog.engine) as connection, connection.begin():
            for digest in digests:
                subscriber = digest.subscriber
                values: dict[str, Any] = {
                    "next_due_at": subscriber.preferences.schedule.next_slot(now).at
                }
                if digest.parts:
                    values["covered_until"] = digest.window.until
                moved = connection.execute(
                    _subs.update()
                    .where(
                        _subs.c.id == subscriber.id,
                        _subs.c.status == "confirmed",
                        _same_time(_subs.c.next_due_at, subscriber.next_due_at),
                    )
                    .values(**values)
                ).rowcount
                if not moved:
                    report.skipped += 1
                    continue
                if not digest.parts:
                    report.empty += 1
                    continue
                outbox_id = connection.execute(
                    insert_ignoring_duplicates(connection, _outbox)
                    .values(
                        kind="digest",
                        subscriber_id=subscriber.id,
                        period=digest.slot.key,
                        payload=digest.payload(),
                        state="pending",
                        attempts=0,
                        next_attempt_at=now,
                        deadline_at=now + SEND_DEADLINE,
                        created_at=now,
                    )
                    .returning(_outbox.c.id)
                ).scalar_one_or_none()
                if outbox_id is None:
                    report.skipped += 1  # this period's digest exists already
                    continue
                connection.execute(
                    insert_ignoring_duplicates(connection, schema.sent_papers),
                    [
                        {
                            "subscriber_id": subscriber.id,
                            "paper_id": paper_id,
                            "outbox_id": outbox_id,
                            "sent_at": now,
                        }
                        for paper_id in digest.paper_ids
                    ],
                )
                report.composed += 1


def _same_time(column: sa.Column[Any], value: dt.datetime | None) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def sent_among(
    engine: sa.Engine, subscriber_ids: Sequence[int], paper_ids: set[str]
) -> dict[int, set[str]]:
    """Which of `paper_ids` each subscriber was already sent."""
    sent: dict[int, set[str]] = {}
    if not subscriber_ids or not paper_ids:
        return sent
    table = schema.sent_papers
    wanted = sorted(paper_ids)
    with engine.connect() as connection:
        for start in range(0, len(wanted), 2000):
            rows = connection.execute(
                sa.select(table.c.subscriber_id, table.c.paper_id).where(
                    table.c.subscriber_id.in_(list(subscriber_ids)),
                    table.c.paper_id.in_(wanted[start : start + 2000]),
                )
            )
            for subscriber_id, paper_id in rows:
                sent.setdefault(int(subscriber_id), set()).add(str(paper_id))
    return sent
