"""Composing: due subscribers only, once per period, never a paper twice, pluggable sections."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.digest import schema, sections
from paperwire.digest.compose import Composer
from paperwire.digest.model import Preferences, Subscriber
from paperwire.digest.sections import ComposeContext, Part, Window
from paperwire.digest.subscriptions import Subscriptions
from paperwire.search.indexes import index_root, open_searcher, update_keyword_index
from tests.support.factories import paper, settings_for, subscriptions

MONDAY = dt.datetime(2026, 3, 16, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def subs(catalog: Catalog, tmp_path: Path, clock: FakeClock) -> Subscriptions:
    clock.advance((MONDAY - clock.now()).total_seconds())
    return subscriptions(catalog, settings_for(tmp_path))


def digests(catalog: Catalog) -> list[sa.Row[tuple[object, ...]]]:
    outbox = schema.outbox
    with catalog.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(outbox).where(outbox.c.kind == "digest").order_by(outbox.c.id)
            )
        )


def paper_ids(row: sa.Row[tuple[object, ...]]) -> list[str]:
    payload = row.payload
    assert isinstance(payload, dict)
    return [paper_id for part in payload["parts"] for paper_id in part["papers"]]


def test_due_subscribers_get_one_digest_per_period(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    catalog.upsert([paper(n, MONDAY.date(), upvotes=n) for n in range(1, 4)])
    subscriber = subs.add("reader@example.org", confirmed=True)  # 08:00 UTC on weekdays
    composer = Composer(catalog)
    assert composer.compose_due(clock.now()).composed == 0  # 06:00: not yet
    clock.advance(2 * 3600)
    report = composer.compose_due(clock.now())
    assert (report.composed, report.skipped) == (1, 0)
    [row] = digests(catalog)
    assert (row.subscriber_id, row.period, row.state) == (subscriber.id, "2026-03-16", "pending")
    assert sorted(paper_ids(row)) == ["2603.00001", "2603.00002", "2603.00003"]
    # The scheduler firing again (or a second worker) creates nothing new.
    assert composer.compose_due(clock.now()).composed == 0
    assert Composer(catalog).compose_due(clock.now(), force=True).composed == 0
    assert len(digests(catalog)) == 1
    after = subs.get(subscriber.id)
    assert after is not None and after.next_due_at == dt.datetime(2026, 3, 17, 8, tzinfo=dt.UTC)


def test_a_paper_is_never_sent_twice_and_empty_digests_are_skipped(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    catalog.upsert([paper(1, MONDAY.date()), paper(2, MONDAY.date())])
    subs.add("reader@example.org", confirmed=True)
    clock.advance(2 * 3600)
    Composer(catalog).compose_due(clock.now())
    clock.advance(24 * 3600)  # Tuesday 08:00: nothing new
    report = Composer(catalog).compose_due(clock.now())
    assert (report.composed, report.empty) == (0, 1)
    catalog.upsert([paper(3, MONDAY.date()), paper(4, (MONDAY + dt.timedelta(days=2)).date())])
    clock.advance(24 * 3600)  # Wednesday: one late Monday paper and one of Wednesday's
    assert Composer(catalog).compose_due(clock.now()).composed == 1
    rows = digests(catalog)
    assert [row.period for row in rows] == ["2026-03-16", "2026-03-18"]
    assert sorted(paper_ids(rows[1])) == ["2603.00003", "2603.00004"]


def test_after_downtime_one_digest_covers_the_missed_days(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    subs.add("reader@example.org", confirmed=True)
    clock.advance(2 * 3600)
    catalog.upsert([paper(1, MONDAY.date())])
    Composer(catalog).compose_due(clock.now())
    for day in (1, 2, 3):
        catalog.upsert([paper(10 + day, (MONDAY + dt.timedelta(days=day)).date())])
    clock.advance(3 * 24 * 3600 + 5 * 3600)  # back on Thursday 13:00
    assert Composer(catalog).compose_due(clock.now()).composed == 1
    latest = digests(catalog)[-1]
    assert latest.period == "2026-03-19"
    assert sorted(paper_ids(latest)) == ["2603.00011", "2603.00012", "2603.00013"]


def test_only_confirmed_subscribers_are_composed(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    catalog.upsert([paper(1, MONDAY.date())])
    subs.subscribe("pending@example.org")
    gone = subs.add("gone@example.org", confirmed=True)
    subs.unsubscribe(gone.id)
    clock.advance(2 * 3600)
    assert Composer(catalog).compose_due(clock.now(), force=True).composed == 0
    assert digests(catalog) == []


def test_concurrent_composers_queue_each_digest_once(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    catalog.upsert([paper(n, MONDAY.date()) for n in range(1, 6)])
    for number in range(40):
        subs.add(f"r{number}@example.org", confirmed=True)
    clock.advance(2 * 3600)
    now = clock.now()
    results = []

    def compose() -> None:
        results.append(Composer(catalog).compose_due(now))

    threads = [threading.Thread(target=compose) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.composed for report in results) == 40
    assert len(digests(catalog)) == 40


def test_topic_sections_search_the_window_once_per_topic(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock, tmp_path: Path
) -> None:
    catalog.upsert(
        [
            paper(1, MONDAY.date(), title="Medical image segmentation with transformers"),
            paper(2, MONDAY.date(), title="Protein folding at scale"),
            paper(3, MONDAY.date() - dt.timedelta(days=5), title="Old segmentation paper"),
        ]
    )
    update_keyword_index(catalog, index_root(tmp_path))
    searcher = open_searcher(catalog, index_root(tmp_path), semantic=False)
    topics = Preferences.build(topics=["segmentation"], paper_count=1)
    subs.add("a@example.org", confirmed=True, preferences=topics)
    subs.add("b@example.org", confirmed=True, preferences=topics)
    searches: list[str] = []
    original = searcher.search

    def counting_search(query: str, **options: object) -> object:
        searches.append(query)
        return original(query, **options)  # type: ignore[arg-type]

    searcher.search = counting_search  # type: ignore[method-assign]
    clock.advance(2 * 3600)
    assert Composer(catalog, searcher).compose_due(clock.now()).composed == 2
    assert searches == ["segmentation"]  # once for both subscribers
    parts = digests(catalog)[0].payload["parts"]
    assert [part["key"] for part in parts] == ["trending", "topic:segmentation"]
    assert len(parts[0]["papers"]) == 1  # paper_count caps every part
    assert parts[1]["papers"] == ["2603.00001"] or parts[0]["papers"] == ["2603.00001"]
    assert "2603.00003" not in str(parts)  # listed before the window


class _Picks:
    """A stand-in "for you" section: the recommendations issue plugs one in like this."""

    def __init__(self, context: ComposeContext) -> None:
        self.context = context

    def parts(self, subscriber: Subscriber, window: Window) -> list[Part]:
        return [Part("for-you", "For you", ["2603.00002", "2603.00009"], 5)]


@pytest.fixture
def with_picks() -> Iterator[None]:
    saved = dict(sections.SECTIONS)
    sections.register_section("for-you", _Picks)
    yield
    sections.SECTIONS.clear()
    sections.SECTIONS.update(saved)


def test_sections_are_pluggable_and_a_paper_shows_once(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock, with_picks: None
) -> None:
    catalog.upsert([paper(1, MONDAY.date()), paper(2, MONDAY.date())])
    subscriber = subs.add("reader@example.org", confirmed=True)
    clock.advance(2 * 3600)
    digest = Composer(catalog).preview(subscriber, clock.now())
    assert [(part.key, part.paper_ids) for part in digest.parts] == [
        ("trending", ["2603.00002", "2603.00001"]),
        ("for-you", ["2603.00009"]),  # 2603.00002 is in trending already
    ]
    assert digests(catalog) == []  # a preview records nothing
