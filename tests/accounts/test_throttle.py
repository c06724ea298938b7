"""Login throttling: backoff per (login, client), per client and per login."""

from __future__ import annotations

import pytest

from paperwire.accounts import throttle
from paperwire.accounts.throttle import ACCOUNT, CLIENT, PAIR, Attempt
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from tests.support.community import make_user


def test_waits_double_after_the_free_failures() -> None:
    assert [PAIR.wait(n) for n in range(4, 9)] == [0, 1, 2, 4, 8]
    assert PAIR.wait(40) == 15 * 60
    assert CLIENT.wait(29) == 0 and CLIENT.wait(30) == 1
    assert ACCOUNT.wait(99) == 0 and ACCOUNT.wait(100) == 1 and ACCOUNT.wait(10_000) == 3600


def _fail(catalog: Catalog, attempt: Attempt, times: int) -> int:
    wait = 0
    for _ in range(times):
        wait = throttle.record_failure(catalog, attempt)
    return wait


def test_pair_backoff_and_reset_on_success(catalog: Catalog, clock: FakeClock) -> None:
    attempt = Attempt.of(user_id=None, login="ada", client_hash="client-a")
    assert _fail(catalog, attempt, 4) == 0
    assert throttle.retry_after(catalog, attempt) == 0
    assert _fail(catalog, attempt, 1) == 1
    assert throttle.retry_after(catalog, attempt) == 1
    assert _fail(catalog, attempt, 3) == 8
    assert throttle.retry_after(catalog, attempt) == 8
    clock.advance(8)
    assert throttle.retry_after(catalog, attempt) == 0
    other = Attempt.of(user_id=None, login="ada", client_hash="client-b")
    assert throttle.retry_after(catalog, other) == 0  # another client is not slowed
    clock.advance(24 * 3600)
    assert _fail(catalog, attempt, 1) == 0  # forgotten after a quiet day


def test_success_clears_the_pair_and_marks_the_client_known(catalog: Catalog) -> None:
    user = make_user(catalog)
    attempt = Attempt.of(user_id=user.id, login="alice", client_hash="home")
    _fail(catalog, attempt, 6)
    assert throttle.retry_after(catalog, attempt) > 0
    assert not throttle.is_known_client(catalog, attempt)
    throttle.record_success(catalog, attempt)
    assert throttle.retry_after(catalog, attempt) == 0
    assert throttle.is_known_client(catalog, attempt)


def test_a_spray_from_many_addresses_does_not_lock_out_the_owner(
    catalog: Catalog, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "ACCOUNT", throttle.Limit("account", 10, 1.0, 3600))
    user = make_user(catalog)
    home = Attempt.of(user_id=user.id, login="alice", client_hash="home")
    throttle.record_success(catalog, home)  # the owner logged in from home before
    for number in range(12):  # an attacker, 12 addresses, one guess each
        throttle.record_failure(
            catalog, Attempt.of(user_id=user.id, login="alice", client_hash=f"bot-{number}")
        )
    stranger = Attempt.of(user_id=user.id, login="alice", client_hash="bot-99")
    assert throttle.retry_after(catalog, stranger) == 4  # the account counter holds strangers
    assert throttle.retry_after(catalog, home) == 0  # the owner's known client goes ahead


def test_one_address_spraying_many_accounts_is_slowed(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "CLIENT", throttle.Limit("client", 3, 1.0, 3600))
    for name in ("a1", "a2", "a3", "a4"):
        throttle.record_failure(catalog, Attempt.of(user_id=None, login=name, client_hash="bot"))
    fresh = Attempt.of(user_id=None, login="a5", client_hash="bot")
    assert throttle.retry_after(catalog, fresh) == 2
    elsewhere = Attempt.of(user_id=None, login="a5", client_hash="someone-else")
    assert throttle.retry_after(catalog, elsewhere) == 0


def test_prune_forgets_quiet_counters(catalog: Catalog, clock: FakeClock) -> None:
    throttle.record_failure(catalog, Attempt.of(user_id=None, login="x", client_hash="c"))
    assert throttle.prune(catalog) == 0
    clock.advance(24 * 3600 + 1)
    assert throttle.prune(catalog) == 3


def test_failures_on_a_username_do_not_slow_its_email_address(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Shared counters would link the two: fail on the name, see the address slow down.
    monkeypatch.setattr(throttle, "ACCOUNT", throttle.Limit("account", 3, 1.0, 3600))
    user = make_user(catalog, "alice")
    by_name = Attempt.of(user_id=user.id, login="alice", client_hash="prober")
    by_address = Attempt.of(user_id=user.id, login="Alice@Example.org ", client_hash="prober")
    stranger = Attempt.of(user_id=None, login="nobody@example.org", client_hash="prober")
    _fail(catalog, by_name, 6)  # the (login, client) counter
    for number in range(5):  # and the login's own counter, from many clients
        throttle.record_failure(
            catalog, Attempt.of(user_id=user.id, login="ALICE", client_hash=f"bot-{number}")
        )
    assert throttle.retry_after(catalog, by_name) > 0
    assert throttle.retry_after(catalog, by_address) == throttle.retry_after(catalog, stranger)
    assert throttle.retry_after(catalog, by_address) == 0
    elsewhere = Attempt.of(user_id=user.id, login="alice@example.org", client_hash="bot-99")
    assert throttle.retry_after(catalog, elsewhere) == 0
    name_elsewhere = Attempt.of(user_id=user.id, login=" alice", client_hash="bot-99")
    assert throttle.retry_after(catalog, name_elsewhere) > 0  # the name's counter holds
