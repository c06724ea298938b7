"""Mail as a weapon, over a real site whose mail goes to a real SMTP server (aiosmtpd): one
client sending 12 requests for password resets, verification mails, "you already have an
account" mails or sign-ups of strangers' addresses gets a few mails sent, then 429 with
Retry-After; the answers are the same whether or not an account has the address."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paperwire.accounts.mail_limits import DEFAULT_LIMITS
from tests.support.smtp import SmtpSink, smtp_sink
from tests.web.accounts.kit import (
    PASSWORD,
    Browser,
    account_site,
    make_user,
    use_quick_hashing,
    wait_for_mail,
)
from tests.web.conftest import Site

REQUESTS = 12
PER_ADDRESS, PER_CLIENT = DEFAULT_LIMITS.per_address, DEFAULT_LIMITS.per_client


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_quick_hashing(monkeypatch)


@pytest.fixture
def mailbox() -> Iterator[SmtpSink]:
    with smtp_sink() as box:
        yield box


@pytest.fixture
def site(tmp_path: Path, mailbox: SmtpSink) -> Iterator[Site]:
    with account_site(tmp_path / "data", mailbox, demo=False) as served:
        yield served


def _settled(mailbox: SmtpSink, expected: int) -> int:
    """How many mails came, once `expected` have and a moment more has passed (mail
    leaves after the response: a late extra one would show)."""
    deadline = time.monotonic() + 10
    while len(mailbox.received) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    return len(mailbox.received)


def _statuses(answers: list[httpx.Response]) -> list[int]:
    return [answer.status_code for answer in answers]


def _expect_limited(answers: list[httpx.Response]) -> None:
    assert _statuses(answers) == [200] * PER_CLIENT + [429] * (REQUESTS - PER_CLIENT)
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) > 0
    assert "too many mails" in refused.text and refused.headers["content-type"].startswith(
        "text/html"
    )


def test_twelve_password_resets_from_one_client_send_three_mails(
    site: Site, mailbox: SmtpSink
) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as attacker:
        answers = [
            attacker.submit("/account/reset", "/account/reset", {"email": "ada@example.org"})
            for _ in range(REQUESTS)
        ]
    _expect_limited(answers)
    assert _settled(mailbox, PER_ADDRESS) == PER_ADDRESS


def test_reset_limits_answer_alike_for_addresses_with_and_without_accounts(
    site: Site, mailbox: SmtpSink
) -> None:
    make_user(site.catalog, "ada")
    seen = {}
    for address, client in (("ada@example.org", "127.0.0.2"), ("nobody@example.org", "127.0.0.3")):
        with Browser(site, local_address=client) as browser:
            answers = [
                browser.submit("/account/reset", "/account/reset", {"email": address})
                for _ in range(REQUESTS)
            ]
        seen[address] = [(a.status_code, a.headers.get("retry-after") is not None) for a in answers]
        bodies = {a.text.split("<main", 1)[-1].split("csrf_token", 1)[0] for a in answers[:3]}
        assert len(bodies) == 1
    assert seen["ada@example.org"] == seen["nobody@example.org"]
    assert _settled(mailbox, PER_ADDRESS) == PER_ADDRESS


def test_twelve_verification_resends_from_one_client_send_three_mails(
    site: Site, mailbox: SmtpSink
) -> None:
    ada = make_user(site.catalog, "ada", verified=False)
    with Browser(site) as browser:
        browser.use_session(ada)  # the login form refuses an unconfirmed address
        answers = [
            browser.submit("/settings", "/account/verify/resend", {}) for _ in range(REQUESTS)
        ]
    statuses = _statuses(answers)
    assert statuses == [303] * PER_CLIENT + [429] * (REQUESTS - PER_CLIENT)
    assert int(answers[-1].headers["retry-after"]) > 0
    assert _settled(mailbox, PER_ADDRESS) == PER_ADDRESS


def test_twelve_sign_ups_with_a_taken_address_send_three_account_exists_mails(
    site: Site, mailbox: SmtpSink
) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as attacker:
        answers = [
            attacker.submit(
                "/signup",
                "/signup",
                {"username": f"taker{n}", "email": "ada@example.org", "password": PASSWORD},
            )
            for n in range(REQUESTS)
        ]
    _expect_limited(answers)
    assert _settled(mailbox, PER_ADDRESS) == PER_ADDRESS
    assert {message.recipients[0] for message in mailbox.received} == {"ada@example.org"}


def test_twelve_sign_ups_of_strangers_addresses_send_five_mails(
    site: Site, mailbox: SmtpSink
) -> None:
    with Browser(site) as attacker:
        answers = [
            attacker.submit(
                "/signup",
                "/signup",
                {"username": f"bot{n}", "email": f"victim{n}@example.org", "password": PASSWORD},
            )
            for n in range(REQUESTS)
        ]
    _expect_limited(answers)
    assert _settled(mailbox, PER_CLIENT) == PER_CLIENT
    wait_for_mail(mailbox, "victim0@example.org")


def test_digest_subscriptions_past_the_client_limit_get_429_with_retry_after(site: Site) -> None:
    with Browser(site) as bot:
        answers = [
            bot.submit(
                "/digest/subscribe", "/digest/subscribe", {"email": f"stranger{n}@example.org"}
            )
            for n in range(REQUESTS)
        ]
    assert _statuses(answers) == [200] * PER_CLIENT + [429] * (REQUESTS - PER_CLIENT)
    assert int(answers[-1].headers["retry-after"]) > 0
