"""web/auth.py over a real site: who a request is (session cookie, bearer token, nobody),
the CSRF check every unsafe request passes, route roles and the route table."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import get_args

import httpx
import pytest
from fastapi import Depends, FastAPI

from paperwire.accounts import sessions, tokens
from paperwire.accounts import users as accounts
from paperwire.accounts.security import csrf_token
from paperwire.web import errors
from paperwire.web.app import create_app
from paperwire.web.auth import (
    CSRF_EXEMPT_PREFIXES,
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    Access,
    CurrentViewer,
    RouteAccess,
    csrf_protect,
    requires,
    route_table,
)
from paperwire.web.context import SearcherHandle, WebContext
from tests.support.servers import running
from tests.web.accounts.kit import (
    Browser,
    account_site,
    csrf_of,
    make_user,
    session_headers,
    use_quick_hashing,
)
from tests.web.conftest import Site

ACCESS_LEVELS = get_args(Access)


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_quick_hashing(monkeypatch)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with account_site(tmp_path_factory.mktemp("auth") / "data", demo=False) as served:
        yield served


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A username of its own for each test (the site is shared)."""
    return str(request.node.name).removeprefix("test_")[:24].strip("_")


def _me(site: Site, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{site.url}/api/v1/me", headers=headers)


# -- who is asking ----------------------------------------------------------------------


def test_a_session_cookie_or_a_bearer_token_names_the_viewer(site: Site, name: str) -> None:
    user = make_user(site.catalog, name)
    session_id = sessions.create_session(site.catalog, user)
    assert _me(site, {"Cookie": f"{SESSION_COOKIE}={session_id}"}).json()["username"] == name
    secret, _ = tokens.create_token(site.catalog, user)
    assert _me(site, {"Authorization": f"bearer {secret}"}).json()["username"] == name
    # An Authorization header decides alone: a bad token is nobody, whatever the cookie.
    both = {"Authorization": "Bearer pw_wrong", "Cookie": f"{SESSION_COOKIE}={session_id}"}
    assert _me(site, both).status_code == 401
    assert _me(site, {"Authorization": "Basic YTpi"}).status_code == 401


def test_ended_sessions_and_disabled_accounts_are_nobody(site: Site, name: str) -> None:
    user = make_user(site.catalog, name)
    ended = sessions.create_session(site.catalog, user)
    sessions.end_session(site.catalog, ended)
    assert _me(site, {"Cookie": f"{SESSION_COOKIE}={ended}"}).status_code == 401
    live = sessions.create_session(site.catalog, user)
    secret, _ = tokens.create_token(site.catalog, user)
    accounts.set_disabled(site.catalog, name)
    assert _me(site, {"Cookie": f"{SESSION_COOKIE}={live}"}).status_code == 401
    assert _me(site, {"Authorization": f"Bearer {secret}"}).status_code == 401


# -- CSRF -------------------------------------------------------------------------------


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


# -- roles ------------------------------------------------------------------------------


def _roles_app(site: Site) -> FastAPI:
    """A small app with one route per access level, over the site's catalog."""
    app = FastAPI(dependencies=[Depends(csrf_protect)])
    app.state.web = WebContext(
        site.settings, site.catalog, SearcherHandle(site.catalog, site.settings)
    )
    errors.install(app)
    for level in ACCESS_LEVELS:

        @app.get(f"/{level}", dependencies=[requires(level)])
        def page(current: CurrentViewer) -> dict[str, str | None]:
            return {"user": current.user.username if current.user else None}

        @app.post(f"/api/{level}", dependencies=[requires(level)])
        def change(current: CurrentViewer) -> dict[str, str | None]:
            return {"user": current.user.username if current.user else None}

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app


def test_requires_answers_401_403_or_lets_through(site: Site, name: str) -> None:
    people = {
        "nobody": None,
        "unverified": make_user(site.catalog, f"{name}-u", verified=False),
        "user": make_user(site.catalog, f"{name}-v"),
        "moderator": make_user(site.catalog, f"{name}-m", role="moderator"),
        "admin": make_user(site.catalog, f"{name}-a", role="admin"),
    }
    allowed = {
        "nobody": {"anyone"},
        "unverified": {"anyone", "user"},
        "user": {"anyone", "user", "verified"},
        "moderator": {"anyone", "user", "verified", "moderator"},
        "admin": set(ACCESS_LEVELS),
    }
    seen: dict[tuple[str, str], int] = {}
    with running(_roles_app(site)) as url:
        for who, user in people.items():
            for level in ACCESS_LEVELS:
                headers = session_headers(site, user)
                page = httpx.get(f"{url}/{level}", headers=headers)
                change = httpx.post(f"{url}/api/{level}", headers=headers)
                if level in allowed[who]:
                    assert page.status_code == change.status_code == 200, (who, level)
                    expected = user.username if user else None
                    assert change.json() == {"user": expected}
                else:
                    # Pages send nobody to the login form; the API answers 401 JSON.
                    seen[who, level] = change.status_code
                    if user is None:
                        assert page.status_code == 303, level
                        assert page.headers["location"] == f"/login?next=%2F{level}"
                    else:
                        assert page.status_code == 403, (who, level)
    assert set(seen.values()) == {401, 403}
    assert all(code == 401 for (who, _), code in seen.items() if who == "nobody")
    assert all(code == 403 for (who, _), code in seen.items() if who != "nobody")
    assert seen[("unverified", "verified")] == 403


def test_the_route_table_lists_every_route_with_its_access(site: Site) -> None:
    app: FastAPI = create_app(site.settings, catalog=site.catalog, semantic=False, cache=False)
    table = route_table(app)
    assert table == sorted(table, key=lambda entry: (entry.path, entry.method))
    assert RouteAccess("GET", "/api/v1/me", "user") in table
    assert RouteAccess("POST", "/login", "anyone") in table
    assert RouteAccess("GET", "/settings", "user") in table
    assert RouteAccess("DELETE", "/api/v1/me/tokens/{token_id}", "user") in table
    assert all(entry.method != "HEAD" for entry in table)
