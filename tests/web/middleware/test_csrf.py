"""middleware/csrf.py over a real site: the token every state-changing request carries, bound
to the session (or, before login, to the pre-session cookie), the Origin check, and the one
exemption. (The sweep of every state-changing route is in tests/web/test_security.py.)"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from paperwire.accounts import sessions
from paperwire.accounts import users as accounts
from paperwire.accounts.security import csrf_token
from paperwire.web.auth import PRE_SESSION_COOKIE, SESSION_COOKIE
from paperwire.web.middleware.csrf import CSRF_EXEMPT_PREFIXES
from tests.web.accounts.kit import (
    Browser,
    account_site,
    csrf_of,
    make_user,
    session_headers,
    use_quick_hashing,
)
from tests.web.conftest import Site


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_quick_hashing(monkeypatch)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with account_site(tmp_path_factory.mktemp("csrf") / "data", demo=False) as served:
        yield served


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A username of its own for each test (the site is shared)."""
    return str(request.node.name).removeprefix("test_")[:24].strip("_")


def test_forms_for_anonymous_visitors_bind_their_token_to_a_pre_session_cookie(
    site: Site,
) -> None:
    page = httpx.get(f"{site.url}/signup")
    binding = page.cookies[PRE_SESSION_COOKIE]
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    token = csrf_of(page.text)
    post = {"username": "x", "email": "bad", "password": "short", "csrf_token": token}
    with_cookie = httpx.post(f"{site.url}/signup", data=post, cookies={PRE_SESSION_COOKIE: binding})
    assert with_cookie.status_code == 400  # past the CSRF check, refused for its input
    other = secrets.token_urlsafe(24)
    elsewhere = httpx.post(f"{site.url}/signup", data=post, cookies={PRE_SESSION_COOKIE: other})
    assert elsewhere.status_code == 403 and "expired" in elsewhere.text
    # The same visitor keeps the cookie: its next page binds to it and sets nothing.
    again = httpx.get(f"{site.url}/login", cookies={PRE_SESSION_COOKIE: binding})
    assert "set-cookie" not in again.headers


def test_a_stale_session_cookie_does_not_stop_a_login(site: Site, name: str) -> None:
    make_user(site.catalog, name)
    with Browser(site) as browser:
        browser.http.cookies.set(SESSION_COOKIE, "expired-or-revoked", domain="127.0.0.1")
        answer = browser.log_in(name)
    assert answer.status_code == 303 and browser.session not in (None, "expired-or-revoked")


def test_a_planted_pre_session_cookie_cannot_stand_in_for_a_live_session(
    site: Site, name: str
) -> None:
    """An attacker who can plant cookies (a sibling subdomain) and mint a token for their
    own pre-session value still cannot post as a signed-in victim."""
    user = make_user(site.catalog, name)
    session_id = sessions.create_session(site.catalog, user)
    planted = secrets.token_urlsafe(24)
    forged = httpx.patch(
        f"{site.url}/api/v1/me",
        headers={
            "Cookie": f"{SESSION_COOKIE}={session_id}; {PRE_SESSION_COOKIE}={planted}",
            "X-CSRF-Token": csrf_token(site.settings, planted),
        },
        json={"bio": "forged"},
    )
    assert forged.status_code == 403
    assert accounts.require_user(site.catalog, name).bio == ""


def test_tokens_belong_to_one_session_and_a_foreign_origin_is_refused(
    site: Site, name: str
) -> None:
    user = make_user(site.catalog, name)
    mine, theirs = session_headers(site, user), session_headers(site, user)
    url = f"{site.url}/api/v1/me"
    swapped = {"Cookie": mine["Cookie"], "X-CSRF-Token": theirs["X-CSRF-Token"]}
    assert httpx.patch(url, headers=swapped, json={"bio": "x"}).status_code == 403
    foreign = {**mine, "Origin": "https://evil.example"}
    refused = httpx.patch(url, headers=foreign, json={"bio": "x"})
    assert refused.status_code == 403 and refused.json() == {"error": "cross-site request refused"}
    null_origin = {**mine, "Origin": "null"}
    assert httpx.patch(url, headers=null_origin, json={"bio": "x"}).status_code == 403
    own = {**mine, "Origin": site.url}
    assert httpx.patch(url, headers=own, json={"bio": "ok"}).status_code == 200
    tampered = {**mine, "X-CSRF-Token": mine["X-CSRF-Token"][:-2] + "AA"}
    assert httpx.patch(url, headers=tampered, json={"bio": "x"}).status_code == 403


def test_every_page_gets_fresh_tokens(site: Site, name: str) -> None:
    """Tokens carry a fresh nonce: no fixed secret repeats across compressed pages (BREACH)."""
    make_user(site.catalog, name)
    with Browser(site) as browser:
        browser.log_in(name)
        first, second = (csrf_of(browser.get("/settings").text) for _ in range(2))
    assert first != second


def test_one_click_unsubscribe_is_the_only_csrf_exemption(site: Site) -> None:
    assert CSRF_EXEMPT_PREFIXES == ("/unsubscribe/",)
    # RFC 8058: a mail provider posts without cookies or token; the link decides (404 here).
    answer = httpx.post(
        f"{site.url}/unsubscribe/not-a-real-link",
        data={"List-Unsubscribe": "One-Click"},
    )
    assert answer.status_code == 404
