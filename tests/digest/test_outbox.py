"""The outbox Store: compare-and-swap claims, eligibility, abandoned rows, the shared rate."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.digest import schema
from paperwire.digest.outbox import Outcome, SqlStore
from paperwire.digest.subscriptions import Subscriptions
from paperwire.process_identity import worker_id
from tests.support.factories import settings_for, subscriptions

ME = worker_id()


@pytest.fixture
def subs(catalog: Catalog, tmp_path: Path) -> Subscriptions:
    return subscriptions(catalog, settings_for(tmp_path))


def queue(catalog: Catalog, subscriber_id: int, period: str, now: dt.datetime) -> int:
    with catalog.engine.begin() as connection:
        return int(
            connection.execute(
                schema.outbox.insert()
                .values(
                    kind="digest",
                    subscriber_id=subscriber_id,
                    period=period,
                    payload={"since": "2026-03-16", "until": "2026-03-16", "parts": []},
                    state="pending",
                    attempts=0,
                    next_attempt_at=now,
                    deadline_at=now + dt.timedelta(hours=12),
                    created_at=now,
                )
                .returning(schema.outbox.c.id)
            ).scalar_one()
        )


def states(catalog: Catalog) -> dict[int, str]:
    outbox = schema.outbox
    with catalog.engine.connect() as connection:
        return dict(connection.execute(sa.select(outbox.c.id, outbox.c.state)).all())  # type: ignore[arg-type]


def test_concurrent_claims_never_share_a_row(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    now = clock.now()
    ids = set()
    for number in range(60):
        subscriber = subs.add(f"r{number}@example.org", confirmed=True)
        ids.add(queue(catalog, subscriber.id, "2026-03-16", now))
    claimed: list[int] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        store = SqlStore(catalog.engine)
        while (claim := store.claim(name, now, 0)) is not None:
            with lock:
                claimed.append(claim.row.id)
            assert store.mark_sent(claim.row.id, name, now)

    threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(ids)  # each row exactly once
    assert set(states(catalog).values()) == {"sent"}


def test_rows_of_subscribers_who_left_are_cancelled_not_sent(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    now = clock.now()
    stays = subs.add("stays@example.org", confirmed=True)
    leaves = subs.add("leaves@example.org", confirmed=True)
    first = queue(catalog, leaves.id, "2026-03-16", now)
    second = queue(catalog, stays.id, "2026-03-16", now)
    with catalog.engine.begin() as connection:  # left without going through unsubscribe()
        connection.execute(
            schema.subscribers.update()
            .where(schema.subscribers.c.id == leaves.id)
            .values(status="unsubscribed")
        )
    store = SqlStore(catalog.engine)
    claim = store.claim(ME, now, 0)
    assert claim is not None and claim.row.id == second
    assert claim.row.subscriber.email == "stays@example.org"
    assert states(catalog)[first] == "cancelled"


def test_marks_need_the_claim(catalog: Catalog, subs: Subscriptions, clock: FakeClock) -> None:
    now = clock.now()
    row_id = queue(catalog, subs.add("a@example.org", confirmed=True).id, "p", now)
    store = SqlStore(catalog.engine)
    assert store.claim(ME, now, 0) is not None
    assert not store.mark_sent(row_id, "someone-else", now)
    assert store.mark_retry(row_id, ME, now + dt.timedelta(minutes=1), "451")
    assert not store.mark_sent(row_id, ME, now)  # not claimed any more
    assert store.claim(ME, now, 0) is None  # its retry is not due yet
    assert store.next_retry_at() == now + dt.timedelta(minutes=1)
    claim = store.claim(ME, now + dt.timedelta(minutes=1), 0)
    assert claim is not None and claim.row.attempts == 1


def test_expired_rows_fail_instead_of_going_out_late(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    now = clock.now()
    row_id = queue(catalog, subs.add("a@example.org", confirmed=True).id, "p", now)
    assert SqlStore(catalog.engine).claim(ME, now + dt.timedelta(hours=13), 0) is None
    assert states(catalog)[row_id] == "failed"


def test_rows_of_dead_senders_become_uncertain(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    now = clock.now()
    store = SqlStore(catalog.engine)
    for number in range(3):
        queue(catalog, subs.add(f"r{number}@example.org", confirmed=True).id, "p", now)
    dead_here = ME.rsplit(":", 2)[0] + ":999999999:1"  # this host, a pid that cannot exist
    elsewhere = "otherhost:abcd1234:42:7"
    mine, theirs, remote = (store.claim(w, now, 0) for w in (ME, dead_here, elsewhere))
    assert mine and theirs and remote
    from paperwire.process_identity import is_dead

    assert store.resolve_abandoned(now, is_dead, dt.timedelta(minutes=15)) == 1
    assert states(catalog)[theirs.row.id] == "uncertain"
    later = now + dt.timedelta(minutes=16)  # the remote claim has gone stale by now
    assert store.resolve_abandoned(later, is_dead, dt.timedelta(minutes=15)) == 2
    assert states(catalog)[remote.row.id] == "uncertain"
    assert not store.mark_sent(mine.row.id, ME, later)  # already resolved: nothing changes


def test_every_claim_reserves_the_next_send_slot(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    now = clock.now()
    for number in range(4):
        queue(catalog, subs.add(f"r{number}@example.org", confirmed=True).id, "p", now)
    first, second = SqlStore(catalog.engine), SqlStore(catalog.engine)  # two senders
    slots = [store.claim(ME, now, 0.5) for store in (first, second, first, second)]
    offsets = [(slot.send_at - now).total_seconds() for slot in slots if slot]
    assert offsets == pytest.approx([0.0, 0.5, 1.0, 1.5])


def test_a_batch_claim_takes_rows_in_order_each_with_its_own_slot(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    now = clock.now()
    gone = subs.add("gone@example.org", confirmed=True)
    ids = [
        queue(catalog, subs.add(f"b{n}@example.org", confirmed=True).id, "p", now) for n in range(3)
    ]
    skipped = queue(catalog, gone.id, "p", now)
    ids += [
        queue(catalog, subs.add(f"c{n}@example.org", confirmed=True).id, "p", now) for n in range(3)
    ]
    subs.unsubscribe(gone.id)
    store, other = SqlStore(catalog.engine), SqlStore(catalog.engine)
    batch = store.claim_batch(ME, now, 0.25, limit=4)
    assert [claim.row.id for claim in batch] == ids[:4]  # the unsubscribed row skipped
    assert [(c.send_at - now).total_seconds() for c in batch] == pytest.approx([0, 0.25, 0.5, 0.75])
    assert states(catalog)[skipped] == "cancelled"
    rest = other.claim_batch("other", now, 0.25, limit=10)
    assert [claim.row.id for claim in rest] == ids[4:]  # never a row of another claim
    assert (rest[0].send_at - now).total_seconds() == pytest.approx(1.0)  # the next free slot

    # The outcomes of a batch are recorded in the transaction that claims the next one.
    outcomes = [(batch[0].row.id, Outcome("sent")), (batch[1].row.id, Outcome("failed", "5xx"))]
    assert store.claim_batch(ME, now, 0, outcomes, limit=4) == []
    assert [states(catalog)[i] for i in ids] == ["sent", "failed", *["sending"] * 4]
