"""The worker's housekeeping of community tables."""

from __future__ import annotations

from paperwire.accounts import maintenance, sessions, throttle
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from tests.support.community import make_user


def test_prune(catalog: Catalog, clock: FakeClock) -> None:
    user = make_user(catalog)
    sessions.end_session(catalog, sessions.create_session(catalog, user))
    throttle.record_failure(catalog, throttle.Attempt.of(user_id=None, login="x", client_hash="c"))
    assert maintenance.prune(catalog) == {"sessions_and_mail_tokens": 0, "login_counters": 0}
    clock.advance(8 * 86400)
    assert maintenance.prune(catalog) == {"sessions_and_mail_tokens": 1, "login_counters": 3}
