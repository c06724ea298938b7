"""/api/v1/me and /api/v1/me/tokens over a real site: bearer tokens and sessions with a
CSRF header both work, anonymous requests get 401 JSON, a PATCH cannot grant anything."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from paperwire.accounts import tokens
from paperwire.accounts import users as accounts
from paperwire.accounts.model import User
from tests.web.accounts.kit import (
    PASSWORD,
    account_site,
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
    with account_site(tmp_path_factory.mktemp("api") / "data", demo=False) as served:
        yield served


@pytest.fixture
def ada(site: Site, request: pytest.FixtureRequest) -> User:
    """A fresh account per test (the site is shared)."""
    return make_user(site.catalog, f"ada-{request.node.name[-20:].strip('_')}"[:32])


def _bearer(site: Site, user: User) -> dict[str, str]:
    secret, _ = tokens.create_token(site.catalog, user, "tests")
    return {"Authorization": f"Bearer {secret}"}


def test_anonymous_requests_get_401_json(site: Site) -> None:
    for method, path in (
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/me/tokens"),
        ("DELETE", "/api/v1/me/tokens/1"),
    ):
        answer = httpx.request(method, f"{site.url}{path}", headers=session_headers(site, None))
        assert answer.status_code == 401, (method, path)
        assert answer.json() == {"error": "log in first"}
    bad_token = httpx.get(f"{site.url}/api/v1/me", headers={"Authorization": "Bearer pw_nope"})
    assert bad_token.status_code == 401


def test_me_with_a_bearer_token(site: Site, ada: User) -> None:
    answer = httpx.get(f"{site.url}/api/v1/me", headers=_bearer(site, ada))
    assert answer.status_code == 200
    body = answer.json()
    assert body["username"] == ada.username and body["email"] == ada.email
    assert body["email_verified"] is True and body["role"] == "user"
    assert body["display_name"] == ada.username  # none set: the username
    assert body["profile_url"] == f"/users/{ada.username}"


def test_me_with_a_session_needs_the_csrf_header_for_changes(site: Site, ada: User) -> None:
    headers = session_headers(site, ada)
    # GET /api/v1/me hands a session client the token its changes need.
    cookie_only = {"Cookie": headers["Cookie"]}
    handed = httpx.get(f"{site.url}/api/v1/me", headers=cookie_only).headers["x-csrf-token"]
    with_it = {**cookie_only, "X-CSRF-Token": handed}
    assert httpx.patch(f"{site.url}/api/v1/me", headers=with_it, json={}).status_code == 200
    assert (
        "x-csrf-token" not in httpx.get(f"{site.url}/api/v1/me", headers=_bearer(site, ada)).headers
    )
    assert httpx.get(f"{site.url}/api/v1/me", headers=headers).status_code == 200
    without = {"Cookie": headers["Cookie"]}
    assert httpx.get(f"{site.url}/api/v1/me", headers=without).status_code == 200
    refused = httpx.patch(f"{site.url}/api/v1/me", headers=without, json={"bio": "x"})
    assert refused.status_code == 403 and "error" in refused.json()
    changed = httpx.patch(f"{site.url}/api/v1/me", headers=headers, json={"bio": "hello"})
    assert changed.status_code == 200 and changed.json()["bio"] == "hello"


def test_patch_changes_name_and_bio_and_nothing_else(site: Site, ada: User) -> None:
    answer = httpx.patch(
        f"{site.url}/api/v1/me",
        headers=_bearer(site, ada),
        json={
            "display_name": "Ada  Lovelace",
            "bio": "Engines\r\nand notes",
            "is_admin": True,
            "role": "admin",
            "email_verified": False,
            "username": "root",
            "email": "evil@example.org",
            "disabled": True,
        },
    )
    assert answer.status_code == 200
    stored = accounts.get_user(site.catalog, ada.id)
    assert stored is not None
    assert (stored.display_name, stored.bio) == ("Ada Lovelace", "Engines\nand notes")
    assert (stored.role, stored.username, stored.email) == ("user", ada.username, ada.email)
    assert stored.email_verified and not stored.disabled
    assert answer.json()["role"] == "user"


def test_patch_refuses_bad_values_with_400_json(site: Site, ada: User) -> None:
    url = f"{site.url}/api/v1/me"
    headers = _bearer(site, ada)
    too_long = httpx.patch(url, headers=headers, json={"display_name": "x" * 101})
    assert too_long.status_code == 400 and "display_name" in too_long.json()["error"]
    not_text = httpx.patch(url, headers=headers, json={"bio": ["list"]})
    assert not_text.status_code == 400
    assert httpx.patch(url, headers=headers, content=b"{oops").status_code == 400


def test_tokens_create_list_revoke(site: Site, ada: User) -> None:
    headers = session_headers(site, ada)
    made = httpx.post(
        f"{site.url}/api/v1/me/tokens",
        headers=headers,
        json={"name": "ci", "password": PASSWORD},
    )
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    created = made.json()
    secret = created["token"]
    assert secret.startswith("pw_") and created["prefix"] == secret[:8]
    listed = httpx.get(f"{site.url}/api/v1/me/tokens", headers=headers).json()["tokens"]
    assert [(t["id"], t["name"]) for t in listed] == [(created["id"], "ci")]
    assert "token" not in listed[0]  # shown once only
    # The new token works on its own, and is then used for the list.
    bearer = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{site.url}/api/v1/me", headers=bearer).json()["username"] == ada.username
    gone = httpx.delete(f"{site.url}/api/v1/me/tokens/{created['id']}", headers=bearer)
    assert gone.status_code == 204
    assert httpx.get(f"{site.url}/api/v1/me", headers=bearer).status_code == 401
    again = httpx.delete(f"{site.url}/api/v1/me/tokens/{created['id']}", headers=headers)
    assert again.status_code == 404 and again.json() == {"error": "no such token"}


def test_nobody_can_revoke_another_persons_token(site: Site, ada: User) -> None:
    grace = make_user(site.catalog, f"grace-{ada.id}")
    _, theirs = tokens.create_token(site.catalog, grace, "theirs")
    url = f"{site.url}/api/v1/me/tokens/{theirs.id}"
    assert httpx.delete(url, headers=_bearer(site, ada)).status_code == 404
    assert tokens.list_tokens(site.catalog, grace) != []
    assert (
        httpx.delete(
            f"{site.url}/api/v1/me/tokens/99999999999999999999", headers=_bearer(site, ada)
        ).status_code
        == 400
    )


def test_too_many_tokens_is_a_429(site: Site, ada: User) -> None:
    for number in range(tokens.MAX_TOKENS):
        tokens.create_token(site.catalog, ada, f"t{number}")
    answer = httpx.post(
        f"{site.url}/api/v1/me/tokens",
        headers=session_headers(site, ada),
        json={"password": PASSWORD},
    )
    assert answer.status_code == 429 and "at most" in answer.json()["error"]


def test_openapi_documents_the_account_api(site: Site) -> None:
    spec = httpx.get(f"{site.url}/openapi.json").json()
    paths = spec["paths"]
    assert set(paths["/api/v1/me"]) == {"get", "patch"}
    assert set(paths["/api/v1/me/tokens"]) == {"get", "post"}
    assert set(paths["/api/v1/me/tokens/{token_id}"]) == {"delete"}
    schemas = spec["components"]["schemas"]
    assert {"MeOut", "MePatch", "TokenOut", "TokenCreated", "TokenList"} <= set(schemas)
    assert set(schemas["MePatch"]["properties"]) == {"display_name", "bio"}
    assert "401" in paths["/api/v1/me"]["get"]["responses"]
    # The HTML account pages stay out of the API docs.
    assert not [path for path in paths if path.startswith(("/settings", "/login", "/users"))]
