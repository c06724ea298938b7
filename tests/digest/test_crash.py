"""Crash safety: a sender SIGKILLed at random points, restarted until done, never sends a
digest twice and never forgets one (docs/digests.md: at most once, `uncertain` rows)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.digest import schema
from paperwire.digest.compose import Composer
from paperwire.digest.outbox import OutboxRow
from paperwire.digest.render import Renderer
from tests.support.factories import paper, settings_for, subscriptions
from tests.support.smtp import smtp_sink

SUBSCRIBERS = 500
KILLS = 30
CONCURRENCY = 2
RATE = 1500.0


def _fork_server() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.digest.crash_sender"])
    return context


@pytest.mark.slow
def test_killed_senders_deliver_every_digest_at_most_once(
    catalog: Catalog, database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    # Real time: the killed processes run on the system clock.
    clock.advance((dt.datetime.now(dt.UTC) - clock.now()).total_seconds())
    log = tmp_path / "smtp.log"
    rng = random.Random(20260316)
    with smtp_sink(log) as sink:
        settings = settings_for(tmp_path / "data", sink.port, smtp_rate=RATE)
        catalog.upsert([paper(n, clock.now().date(), upvotes=n) for n in range(1, 6)])
        subs = subscriptions(catalog, settings)
        for number in range(SUBSCRIBERS):
            subs.add(f"reader{number}@example.org", confirmed=True)
        assert Composer(catalog).compose_due(clock.now(), force=True).composed == SUBSCRIBERS

        from tests.digest.crash_sender import send_all

        context = _fork_server()
        args = (database_url, settings, RATE, CONCURRENCY)
        kills = 0
        while kills < KILLS:
            process = context.Process(target=send_all, args=args)
            process.start()
            process.join(timeout=rng.uniform(0.03, 0.2))
            if process.exitcode is not None:
                break  # finished before its kill: nothing left to send
            process.kill()
            process.join()
            kills += 1
        final = context.Process(target=send_all, args=args)
        final.start()
        final.join(timeout=120)
        assert final.exitcode == 0

        outbox = schema.outbox
        with catalog.engine.connect() as connection:
            rows = connection.execute(
                sa.select(outbox.c.id, outbox.c.subscriber_id, outbox.c.state)
            ).all()
        states = Counter(row.state for row in rows)
        received = Counter(log.read_text().split())

    assert kills >= 10, "the sender finished too fast to be killed often"
    assert len(rows) == SUBSCRIBERS and len({row.subscriber_id for row in rows}) == SUBSCRIBERS
    assert set(states) <= {"sent", "uncertain"}
    assert states["uncertain"] <= kills * CONCURRENCY
    assert max(received.values()) == 1  # nobody got a digest twice
    renderer = Renderer(catalog, settings, b"unused")
    message_ids = {renderer.message_id(_bare(row.id, row.subscriber_id, subs)): row for row in rows}
    assert set(received) <= set(message_ids)  # everything that arrived is accounted for
    for message_id, row in message_ids.items():
        if row.state == "sent":
            assert received[message_id] == 1, f"row {row.id} sent but not received"
    assert len(received) >= states["sent"]
    assert len(sink.received) == sum(received.values())


def _bare(row_id: int, subscriber_id: int, subs: object) -> OutboxRow:
    from paperwire.digest.subscriptions import Subscriptions

    assert isinstance(subs, Subscriptions)
    subscriber = subs.get(subscriber_id)
    assert subscriber is not None
    return OutboxRow(row_id, "digest", "", {}, 0, dt.datetime.now(dt.UTC), subscriber)
