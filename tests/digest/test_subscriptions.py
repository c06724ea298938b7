"""Double opt-in, links, preferences, unsubscribing, rate limits: on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.digest import schema, tokens
from paperwire.digest.model import InvalidInput, Preferences
from paperwire.digest.subscriptions import (
    ADDRESS_LIMIT,
    IP_LIMIT,
    RateLimited,
    Subscriptions,
)
from paperwire.recommend import signals
from paperwire.recommend.readers import Reader
from paperwire.signing import token_hash
from tests.support.factories import make_record, settings_for, subscriptions

KEY = b"k" * 40


@pytest.fixture
def subs(catalog: Catalog, tmp_path: Path) -> Subscriptions:
    return subscriptions(catalog, settings_for(tmp_path))


def outbox_rows(catalog: Catalog) -> list[sa.Row[tuple[object, ...]]]:
    with catalog.engine.connect() as connection:
        return list(connection.execute(sa.select(schema.outbox).order_by(schema.outbox.c.id)))


def confirmation_link(catalog: Catalog, subs: Subscriptions) -> str:
    nonce = str(outbox_rows(catalog)[-1].payload["nonce"])
    return tokens.confirmation_token(subs.key, nonce)


def test_double_opt_in(catalog: Catalog, subs: Subscriptions, clock: FakeClock) -> None:
    prefs = Preferences.build(topics=["cat:cs.CL"])
    assert subs.subscribe(" Reader@Example.org ", ip="10.0.0.1", preferences=prefs) == "queued"
    subscriber = subs.by_email("reader@example.org")
    assert subscriber is not None and subscriber.status == "pending"
    assert subscriber.email == "Reader@example.org"
    assert subscriber.preferences.topics == ("cat:cs.CL",)
    assert subscriber.next_due_at is None  # pending addresses are never due
    [row] = outbox_rows(catalog)
    assert (row.kind, row.state) == ("confirm", "pending")
    token = confirmation_link(catalog, subs)
    with catalog.engine.connect() as connection:
        stored = connection.execute(sa.select(schema.confirmations.c.token_hash)).scalar_one()
    assert stored == token_hash(token) and token not in str(row.payload)

    result = subs.confirm(token)
    assert result.outcome == "confirmed" and result.subscriber is not None
    assert result.subscriber.status == "confirmed"
    assert result.subscriber.next_due_at is not None and result.subscriber.next_due_at > clock.now()
    assert subs.confirm(token).outcome == "already_confirmed"  # single use
    assert subs.confirm("not-a-token").outcome == "invalid"


def test_confirmation_links_expire_after_three_days(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    subs.subscribe("late@example.org")
    token = confirmation_link(catalog, subs)
    clock.advance(dt.timedelta(days=3, seconds=1).total_seconds())
    assert subs.confirm(token).outcome == "expired"
    assert subs.by_email("late@example.org").status == "pending"  # type: ignore[union-attr]


def test_subscribing_again_tells_nothing_and_queues_a_new_link(
    catalog: Catalog, subs: Subscriptions
) -> None:
    subs.subscribe("known@example.org")
    subs.confirm(confirmation_link(catalog, subs))
    # Known and confirmed, or unknown: the caller cannot tell (same outcome, a mail each).
    assert subs.subscribe("known@example.org") == subs.subscribe("new@example.org") == "queued"
    assert subs.by_email("known@example.org").status == "confirmed"  # type: ignore[union-attr]


def test_unsubscribe_stops_queued_mail_and_resubscribing_needs_a_new_confirmation(
    catalog: Catalog, subs: Subscriptions
) -> None:
    subs.subscribe("leaver@example.org")
    subscriber = subs.by_email("leaver@example.org")
    assert subscriber is not None
    assert subs.unsubscribe(subscriber.id)
    assert [row.state for row in outbox_rows(catalog)] == ["cancelled"]
    assert not subs.unsubscribe(subscriber.id)
    old_token = tokens.confirmation_token(subs.key, str(outbox_rows(catalog)[0].payload["nonce"]))
    assert subs.confirm(old_token).outcome == "invalid"
    subs.subscribe("leaver@example.org")
    assert subs.by_email("leaver@example.org").status == "pending"  # type: ignore[union-attr]
    assert subs.confirm(confirmation_link(catalog, subs)).outcome == "confirmed"


def test_suppressed_addresses_get_nothing(catalog: Catalog, subs: Subscriptions) -> None:
    subscriber = subs.add("bounced@example.org", confirmed=True)
    with catalog.engine.begin() as connection:
        connection.execute(
            schema.subscribers.update()
            .where(schema.subscribers.c.id == subscriber.id)
            .values(status="suppressed")
        )
    assert subs.subscribe("bounced@example.org") == "suppressed"
    assert outbox_rows(catalog) == []
    # An operator who vouches for the address lifts the suppression.
    assert subs.add("bounced@example.org", confirmed=True).status == "confirmed"


def test_confirmation_mails_are_rate_limited(subs: Subscriptions, clock: FakeClock) -> None:
    outcomes = [subs.subscribe("target@example.org") for _ in range(ADDRESS_LIMIT + 2)]
    assert outcomes == ["queued"] * ADDRESS_LIMIT + ["rate_limited"] * 2
    clock.advance(dt.timedelta(hours=24, seconds=1).total_seconds())
    assert subs.subscribe("target@example.org") == "queued"
    for number in range(IP_LIMIT):
        subs.subscribe(f"stranger{number}@example.org", ip="203.0.113.9")
    with pytest.raises(RateLimited):
        subs.subscribe("one-more@example.org", ip="203.0.113.9")
    assert subs.subscribe("one-more@example.org", ip="203.0.113.10") == "queued"


def test_invalid_addresses_are_refused(subs: Subscriptions) -> None:
    with pytest.raises(InvalidInput):
        subs.subscribe("a@example.org\r\nBcc: b@example.org")


def test_signed_links_find_their_subscriber(subs: Subscriptions) -> None:
    subscriber = subs.add("linked@example.org", confirmed=True)
    token = subs.link(subscriber, "preferences")
    found = subs.from_link(token, "preferences")
    assert found is not None and found[0].id == subscriber.id
    assert subs.from_link(token, "unsubscribe") is None  # a link serves one purpose
    assert subs.from_link(token[:-2] + "AA", "preferences") is None


def test_preferences_move_the_next_digest(subs: Subscriptions, clock: FakeClock) -> None:
    subscriber = subs.add("prefs@example.org", confirmed=True)
    weekly = Preferences.build(frequency="weekly", weekday=2, hour=18, timezone="Asia/Tokyo")
    updated = subs.update_preferences(subscriber.id, weekly)
    assert updated.preferences == weekly
    assert updated.next_due_at == weekly.schedule.next_slot(clock.now()).at


def test_ratings_keep_the_last_vote_for_papers_of_the_digest(
    catalog: Catalog, subs: Subscriptions, clock: FakeClock
) -> None:
    subscriber = subs.add("voter@example.org", confirmed=True)
    other = subs.add("other@example.org", confirmed=True)
    payload = {"parts": [{"key": "t", "title": "t", "papers": ["2603.00001", "hep-th/9901001"]}]}
    with catalog.engine.begin() as connection:
        digest_id = connection.execute(
            schema.outbox.insert()
            .values(
                kind="digest",
                subscriber_id=subscriber.id,
                period="2026-03-16",
                payload=payload,
                state="sent",
                attempts=1,
                next_attempt_at=clock.now(),
                deadline_at=clock.now(),
                created_at=clock.now(),
            )
            .returning(schema.outbox.c.id)
        ).scalar_one()
    assert subs.rate(subscriber, digest_id, "2603.00001", 1)
    assert subs.rate(subscriber, digest_id, "hep-th/9901001", -1)
    assert subs.rate(subscriber, digest_id, "2603.00001", -1)
    assert subs.ratings(subscriber.id) == {"2603.00001": -1, "hep-th/9901001": -1}
    assert not subs.rate(subscriber, digest_id, "2603.99999", 1)  # not in that digest
    assert not subs.rate(other, digest_id, "2603.00001", 1)  # not their digest
    assert subs.ratings(other.id) == {}


def test_remove_deletes_everything(catalog: Catalog, subs: Subscriptions) -> None:
    subs.subscribe("gone@example.org")
    gone = subs.by_email("gone@example.org")
    assert gone is not None
    reader = Reader("subscriber", gone.id)
    catalog.upsert([make_record(raw_id="2603.00001")])
    signals.record(catalog.engine, catalog.clock, reader, "2603.00001", "digest", 1)
    assert subs.remove("GONE@example.org")
    assert subs.by_email("gone@example.org") is None
    assert outbox_rows(catalog) == []
    # Nothing is left about the address: it exports like one never seen.
    never_seen = signals.export(catalog.engine, Reader("subscriber", 10**9))
    assert signals.export(catalog.engine, reader) == {**never_seen, "reader": reader.key}
    assert not subs.remove("gone@example.org")
