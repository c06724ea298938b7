"""accounts/mail_limits.py on SQLite and PostgreSQL: per address (silently), per client
(refused, with how long to wait), windows that slide on the clock, and one count shared by
every process using the database."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from paperwire.accounts import mail_limits
from paperwire.accounts.mail_limits import MailLimits, MailsRefused
from paperwire.accounts.schema import mail_rate_events
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.db.connections import reading

LIMITS = MailLimits(
    per_address=3,
    address_window=dt.timedelta(hours=24),
    per_client=5,
    client_window=dt.timedelta(hours=1),
)


def test_past_an_addresss_limit_nothing_is_sent_and_nothing_is_refused(catalog: Catalog) -> None:
    answers = [
        mail_limits.admit(catalog, LIMITS, kind="reset", address="Ada@Example.org", client=None)
        for _ in range(5)
    ]
    assert answers == ["send"] * 3 + ["address_limited"] * 2
    # Another kind of mail to the address has a counter of its own.
    assert (
        mail_limits.admit(catalog, LIMITS, kind="verify", address="ada@example.org", client=None)
        == "send"
    )


def test_one_client_asking_for_mail_to_many_addresses_is_refused_with_a_wait(
    catalog: Catalog, clock: FakeClock
) -> None:
    client = mail_limits.client_key(b"k" * 32, "203.0.113.9")
    for number in range(5):
        address = f"stranger{number}@example.org"
        assert (
            mail_limits.admit(catalog, LIMITS, kind="signup", address=address, client=client)
            == "send"
        )
        clock.advance(60)
    with pytest.raises(MailsRefused) as refused:
        mail_limits.admit(catalog, LIMITS, kind="reset", address="x@example.org", client=client)
    # The oldest of the five leaves the window an hour after it came: 55 minutes from now.
    assert refused.value.status == 429 and refused.value.retry_after == 55 * 60
    other = mail_limits.client_key(b"k" * 32, "203.0.113.10")
    assert mail_limits.admit(catalog, LIMITS, kind="reset", address="x@example.org", client=other)
    clock.advance(55 * 60 + 1)
    assert (
        mail_limits.admit(catalog, LIMITS, kind="reset", address="y@example.org", client=client)
        == "send"
    )


def test_old_events_are_forgotten(catalog: Catalog, clock: FakeClock) -> None:
    mail_limits.admit(catalog, LIMITS, kind="reset", address="a@example.org", client="c:x")
    clock.advance(25 * 3600)
    mail_limits.admit(catalog, LIMITS, kind="reset", address="b@example.org", client="c:x")
    with reading(catalog) as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(mail_rate_events))
        assert count.scalar_one() == 2  # the newest pair; the first one's are pruned


def test_the_client_limit_is_shared_by_processes_on_postgresql(
    postgres_url: str, clock: FakeClock
) -> None:
    """Two catalogs (two engines, as two web processes have) on one PostgreSQL database
    count into one limit, however their requests interleave."""
    first, second = Catalog.open(postgres_url, clock=clock), Catalog.open(postgres_url, clock=clock)
    try:
        client = mail_limits.client_key(b"k" * 32, "198.51.100.7")
        for number in range(5):
            catalog = (first, second)[number % 2]
            address = f"victim{number}@example.org"
            assert mail_limits.admit(catalog, LIMITS, kind="reset", address=address, client=client)
        for catalog in (first, second):
            with pytest.raises(MailsRefused):
                mail_limits.admit(
                    catalog, LIMITS, kind="signup", address="new@example.org", client=client
                )
    finally:
        first.close()
        second.close()
