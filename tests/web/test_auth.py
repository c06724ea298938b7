"""web/auth.py over a real site: who a request is (session cookie, bearer token, nobody)
and what each access level lets through. (The CSRF check is tests/web/middleware/
test_csrf.py; the table that gives each route its access, tests/web/test_routes.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import get_args

import httpx
import pytest
from fastapi import Depends, FastAPI

from paperwire.accounts import sessions, tokens
from paperwire.accounts import users as accounts
from paperwire.web import errors
from paperwire.web.auth import SESSION_COOKIE, Access, CurrentViewer, requires
from paperwire.web.context import SearcherHandle, WebContext
from paperwire.web.middleware.csrf import csrf_protect
from tests.support.servers import running
from tests.web.accounts.kit import (
    account_site,
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
