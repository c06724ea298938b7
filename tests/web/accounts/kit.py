"""Helpers for the account, security and authorisation tests: a real site that mails
through a real SMTP server (aiosmtpd), people with sessions, and forms posted the way a
browser posts them (the page's CSRF token, cookies kept)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import argon2
import httpx
import pytest

from paperwire.accounts import passwords, sessions
from paperwire.accounts import users as accounts
from paperwire.accounts.model import User
from paperwire.accounts.security import csrf_token
from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.config import Settings
from paperwire.demo import load_demo
from paperwire.search.indexes import index_root, update_keyword_index
from paperwire.web.app import create_app
from paperwire.web.auth import PRE_SESSION_COOKIE, SESSION_COOKIE
from tests.support.servers import free_port, running
from tests.support.smtp import SmtpSink, link_token
from tests.web.conftest import Site

PASSWORD = "correct horse battery staple"
_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def use_quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with tiny parameters: the same code paths, a thousandth of the time."""
    hasher = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", hasher)


@contextmanager
def account_site(
    data_dir: Path,
    mailbox: SmtpSink | None = None,
    *,
    demo: bool = True,
    clock: Clock | None = None,
    **overrides: Any,
) -> Iterator[Site]:
    """A site whose mail goes to `mailbox` and whose links point at itself; `overrides`
    are further settings (PAPERWIRE_* fields)."""
    port = free_port()
    settings = Settings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1" if mailbox else None,
        smtp_port=mailbox.port if mailbox else 587,
        smtp_security="none",
        smtp_from="paperwire <noreply@papers.example.org>",
        **overrides,
    )
    catalog = Catalog.open(settings.catalog_url(), clock=clock)
    try:
        if demo:
            load_demo(catalog)
            update_keyword_index(catalog, index_root(data_dir))
        with running(create_app(settings, catalog=catalog, semantic=False), port) as url:
            yield Site(url, catalog, settings)
    finally:
        catalog.close()


def make_user(
    catalog: Catalog, username: str, *, role: str = "user", verified: bool = True
) -> User:
    return accounts.create_user(
        catalog,
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        role=role,
        verified=verified,
    )


def session_headers(site: Site, user: User | None) -> dict[str, str]:
    """Headers of a browser with a fresh session of `user` (None: an anonymous visitor with
    a pre-session cookie) and a valid CSRF token for it."""
    if user is None:
        binding = secrets.token_urlsafe(24)
        cookie = f"{PRE_SESSION_COOKIE}={binding}"
    else:
        binding = sessions.create_session(site.catalog, user)
        cookie = f"{SESSION_COOKIE}={binding}"
    return {"Cookie": cookie, "X-CSRF-Token": csrf_token(site.settings, binding)}


def csrf_of(html: str) -> str:
    found = _CSRF_INPUT.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser:
    """A person at a browser: cookies kept, redirects not followed (tests look at them),
    forms posted with the token of the page they are on."""

    def __init__(self, site: Site, *, local_address: str | None = None) -> None:
        transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
        self.site = site
        self.http = httpx.Client(base_url=site.url, transport=transport, timeout=30)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def submit(self, page: str, action: str, data: dict[str, str]) -> httpx.Response:
        """Open `page`, then post its form to `action` the way the browser would."""
        opened = self.http.get(page)
        assert opened.status_code < 400, (page, opened.status_code)
        return self.http.post(action, data={"csrf_token": csrf_of(opened.text), **data})

    def log_in(self, login: str, password: str = PASSWORD) -> httpx.Response:
        return self.submit("/login", "/login", {"login": login, "password": password})

    def use_session(self, user: User) -> None:
        """Be signed in as `user` without the login form: for an account that cannot log in
        (an address not confirmed yet) but may hold a session (one started by a test, or
        before its address needed confirming)."""
        self.http.cookies.set(SESSION_COOKIE, sessions.create_session(self.site.catalog, user))

    @property
    def session(self) -> str | None:
        return self.http.cookies.get(SESSION_COOKIE)


def wait_for_mail(mailbox: SmtpSink, address: str, count: int = 1) -> list[EmailMessage]:
    """The messages to `address` once `count` have come (mail leaves after the response)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = mailbox.messages_to(address)
        if len(found) >= count:
            return found
        time.sleep(0.02)
    came = mailbox.messages_to(address)
    raise AssertionError(f"{count} mail(s) to {address} did not come: {came}")


def mailed_token(mailbox: SmtpSink, address: str, count: int = 1) -> str:
    return link_token(wait_for_mail(mailbox, address, count)[count - 1])
