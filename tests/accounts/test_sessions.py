"""Server-side sessions and mailed single-use tokens."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from paperwire.accounts import sessions
from paperwire.accounts import users as accounts
from paperwire.accounts.schema import user_sessions
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from tests.support.community import make_user


def test_a_session_is_stored_as_a_hash_and_expires(catalog: Catalog, clock: FakeClock) -> None:
    user = make_user(catalog)
    session_id = sessions.create_session(catalog, user, ip="203.0.113.9", user_agent="Firefox")
    assert len(session_id) >= 43  # 256 random bits
    with catalog.engine.connect() as connection:
        stored = connection.execute(sa.select(user_sessions.c.id_hash)).scalars().all()
    assert stored == [sessions.token_hash(session_id)] and session_id not in stored
    assert sessions.session_user(catalog, session_id) == user
    assert sessions.session_user(catalog, "not-a-session") is None
    assert sessions.session_user(catalog, None) is None
    [info] = sessions.list_sessions(catalog, user)
    assert (info.ip, info.user_agent) == ("203.0.113.9", "Firefox")
    clock.advance(sessions.SESSION_DAYS * 86400 - 1)
    assert sessions.session_user(catalog, session_id) == user
    clock.advance(1)
    assert sessions.session_user(catalog, session_id) is None
    assert sessions.list_sessions(catalog, user) == []


def test_last_seen_is_written_at_most_every_five_minutes(
    catalog: Catalog, clock: FakeClock
) -> None:
    user = make_user(catalog)
    session_id = sessions.create_session(catalog, user)
    start = clock.now()
    clock.advance(60)
    sessions.session_user(catalog, session_id)
    assert sessions.list_sessions(catalog, user)[0].last_seen_at == start
    clock.advance(240)
    sessions.session_user(catalog, session_id)
    assert sessions.list_sessions(catalog, user)[0].last_seen_at == start + dt.timedelta(
        seconds=300
    )


def test_logout_revokes_only_that_session(catalog: Catalog) -> None:
    user = make_user(catalog)
    first = sessions.create_session(catalog, user)
    second = sessions.create_session(catalog, user)
    assert first != second
    sessions.end_session(catalog, first)
    sessions.end_session(catalog, first)  # twice is harmless
    sessions.end_session(catalog, None)
    assert sessions.session_user(catalog, first) is None
    assert sessions.session_user(catalog, second) == user


def test_mail_tokens_are_single_use_and_expire(catalog: Catalog, clock: FakeClock) -> None:
    user = make_user(catalog, verified=False)
    token = sessions.issue_mail_token(catalog, user, "reset")
    assert sessions.consume_mail_token(catalog, "verify", token) is None  # other purpose
    assert sessions.peek_mail_token(catalog, "reset", token) == user
    assert sessions.consume_mail_token(catalog, "reset", token) == user
    assert sessions.consume_mail_token(catalog, "reset", token) is None  # used
    late = sessions.issue_mail_token(catalog, user, "reset")
    clock.advance(3600)
    assert sessions.peek_mail_token(catalog, "reset", late) is None
    assert sessions.consume_mail_token(catalog, "reset", late) is None
    verify = sessions.issue_mail_token(catalog, user, "verify")
    clock.advance(3 * 86400 - 1)
    assert sessions.consume_mail_token(catalog, "verify", verify) == user


def test_a_mail_token_is_only_good_for_the_address_it_went_to(catalog: Catalog) -> None:
    user = make_user(catalog, verified=False)
    token = sessions.issue_mail_token(catalog, user, "verify")
    with catalog.engine.begin() as connection:
        connection.execute(
            accounts.users.update().values(email="new@example.org", email_key="new@example.org")
        )
    assert sessions.consume_mail_token(catalog, "verify", token) is None


def test_concurrent_uses_of_one_token_succeed_once(catalog: Catalog) -> None:
    user = make_user(catalog)
    token = sessions.issue_mail_token(catalog, user, "reset")
    results: list[object] = []
    barrier = threading.Barrier(8)

    def use() -> None:
        barrier.wait()
        results.append(sessions.consume_mail_token(catalog, "reset", token))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result is not None for result in results) == 1


def test_prune_removes_long_ended_rows(catalog: Catalog, clock: FakeClock) -> None:
    user = make_user(catalog)
    old = sessions.create_session(catalog, user)
    sessions.end_session(catalog, old)
    sessions.issue_mail_token(catalog, user, "reset")
    live = sessions.create_session(catalog, user)
    clock.advance(8 * 86400)
    assert sessions.prune_expired(catalog) == 2
    assert sessions.session_user(catalog, live) == user


def test_one_session_can_be_revoked_by_its_owner_only(catalog: Catalog) -> None:
    ada, grace = make_user(catalog, "ada"), make_user(catalog, "grace")
    phone = sessions.create_session(catalog, ada, user_agent="phone")
    laptop = sessions.create_session(catalog, ada, user_agent="laptop")
    theirs = sessions.create_session(catalog, grace)
    (phone_info,) = [s for s in sessions.list_sessions(catalog, ada) if s.user_agent == "phone"]
    (their_info,) = sessions.list_sessions(catalog, grace)
    assert not sessions.revoke_session(catalog, ada, their_info.ref)
    assert not sessions.revoke_session(catalog, ada, "%" * sessions.REF_CHARS)
    assert not sessions.revoke_session(catalog, ada, phone_info.ref[:10])
    assert sessions.revoke_session(catalog, ada, phone_info.ref)
    assert not sessions.revoke_session(catalog, ada, phone_info.ref)  # already out
    assert sessions.session_user(catalog, phone) is None
    assert sessions.session_user(catalog, laptop) == ada
    assert sessions.session_user(catalog, theirs) == grace


def test_devices_are_named_shortly() -> None:
    assert sessions.device_of(None) == "unknown device"
    assert (
        sessions.device_of(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
        )
        == "Edge on Windows"
    )
    assert (
        sessions.device_of(
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36"
        )
        == "Chrome on Android"
    )
    assert sessions.device_of("curl/8.5.0") == "curl"
    assert sessions.device_of("x" * 300) == "x" * 40
