"""No enumeration through the login form (docs/community.md, "No enumeration"): a disabled
account with the right password, and an account whose address is not confirmed yet (what
a sign-up with a free address makes, where a taken one makes none), answer exactly as a
wrong password does, in about the same time (real argon2 parameters)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from paperwire.accounts import auth
from paperwire.accounts import users as accounts
from tests.support.smtp import SmtpSink, smtp_sink
from tests.web.accounts.kit import PASSWORD, account_site, make_user
from tests.web.conftest import Site
from tests.web.test_security import _compare, _post_form

Attempt = Callable[[int], tuple[httpx.Response, float]]


@pytest.fixture(scope="module")
def mailbox() -> Iterator[SmtpSink]:
    with smtp_sink() as box:
        yield box


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, mailbox: SmtpSink) -> Iterator[Site]:
    with account_site(tmp_path_factory.mktemp("enum") / "data", mailbox, demo=False) as s:
        yield s


def _log_in(site: Site, address: str, login: str, password: str) -> tuple[httpx.Response, float]:
    return _post_form(site, address, "/login", "/login", {"login": login, "password": password})


def test_a_disabled_account_with_the_right_password_answers_as_a_wrong_password(
    site: Site,
) -> None:
    make_user(site.catalog, "shut")
    accounts.set_disabled(site.catalog, "shut")
    make_user(site.catalog, "open")
    cases: dict[str, Attempt] = {
        # Each try from its own address: the throttle must not answer instead.
        "disabled": lambda n: _log_in(site, f"127.0.5.{n + 10}", "shut", PASSWORD),
        "wrong password": lambda n: _log_in(site, f"127.0.5.{n + 110}", "open", "not it at all"),
    }
    names = {"disabled": "shut", "wrong password": "open"}
    _compare(site, cases, echoed=lambda case, n: (names[case],))
    answer, _ = _log_in(site, "127.0.5.250", "shut", PASSWORD)
    assert answer.status_code == 401 and auth.LOGIN_FAILED in answer.text
    assert "disabled" not in answer.text


def test_signing_up_with_a_taken_or_a_free_address_then_logging_in_answers_alike(
    site: Site, mailbox: SmtpSink
) -> None:
    make_user(site.catalog, "owner")

    def attempt(case: str) -> Attempt:
        def run(number: int) -> tuple[httpx.Response, float]:
            email = "owner@example.org" if case == "taken" else f"free{number}@example.org"
            name = f"{case}-{number}"
            # Sign-up and login each from an address of its own (mail and login limits).
            base = 10 if case == "taken" else 110
            _post_form(
                site,
                f"127.0.6.{base + number}",
                "/signup",
                "/signup",
                {"username": name, "email": email, "password": PASSWORD},
            )
            return _log_in(site, f"127.0.7.{base + number}", name, PASSWORD)

        return run

    _compare(
        site,
        {"taken": attempt("taken"), "free": attempt("free")},
        echoed=lambda case, n: (f"{case}-{n}",),
    )
    assert accounts.find_user(site.catalog, "free-0") is not None  # sign-up still makes it
    assert accounts.find_user(site.catalog, "taken-0") is None
