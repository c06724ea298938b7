"""web/errors.py: a refusal of the rules (paperwire.errors), raised from any route, becomes
its status and message: JSON `{"error": ...}` under /api/, the error page elsewhere, with
Retry-After when waiting helps. First over a small app of routes that only raise, then
over the real site's routes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from paperwire.accounts import tokens
from paperwire.catalog.store import Catalog
from paperwire.community import comments
from paperwire.config import Settings
from paperwire.errors import CommunityError, Conflict, Forbidden, NotFound, TooMany
from paperwire.web import errors
from paperwire.web.context import SearcherHandle, WebContext
from paperwire.web.health import healthz
from tests.support.servers import running
from tests.web.accounts.kit import account_site, make_user, session_headers, use_quick_hashing
from tests.web.conftest import Site

REFUSALS: dict[str, CommunityError] = {
    "bad": CommunityError("that breaks a rule"),
    "absent": NotFound("no such thing"),
    "forbidden": Forbidden("not yours"),
    "taken": Conflict("taken already"),
    "slow-down": TooMany("too many at once", retry_after=42),
    "full": TooMany("no room left"),
}


def _refuser(refusal: CommunityError) -> Callable[[], None]:
    def refuse() -> None:
        raise refusal

    return refuse


@pytest.fixture(scope="module")
def refusing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app with the error handlers and, for each refusal, a page and an API route that
    raise it."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("errors") / "data")
    catalog = Catalog.open(settings.catalog_url())
    app = FastAPI()
    app.state.web = WebContext(settings, catalog, SearcherHandle(catalog, settings))
    errors.install(app)
    app.add_api_route("/healthz", healthz)
    for name, refusal in REFUSALS.items():
        app.add_api_route(f"/pages/{name}", _refuser(refusal))
        app.add_api_route(f"/api/{name}", _refuser(refusal))
    try:
        with running(app) as url:
            yield url
    finally:
        catalog.close()


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_refusal_is_json_under_api_with_its_status(refusing: str, name: str) -> None:
    refusal = REFUSALS[name]
    answer = httpx.get(f"{refusing}/api/{name}")
    assert answer.status_code == refusal.status
    assert answer.json() == {"error": str(refusal)}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_refusal_is_the_error_page_elsewhere(refusing: str, name: str) -> None:
    refusal = REFUSALS[name]
    answer = httpx.get(f"{refusing}/pages/{name}")
    assert answer.status_code == refusal.status
    assert answer.headers["content-type"].startswith("text/html")
    assert f"Error {refusal.status}" in answer.text and str(refusal) in answer.text


def test_too_many_says_when_to_come_back_when_it_knows(refusing: str) -> None:
    for where in ("api", "pages"):
        assert httpx.get(f"{refusing}/{where}/slow-down").headers["retry-after"] == "42"
        assert "retry-after" not in httpx.get(f"{refusing}/{where}/full").headers
        assert "retry-after" not in httpx.get(f"{refusing}/{where}/taken").headers


# -- the real routes ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with account_site(tmp_path_factory.mktemp("real") / "data") as served:
        yield served


def test_the_library_refusals_of_real_routes_arrive_the_same_way(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_quick_hashing(monkeypatch)
    writer = make_user(site.catalog, "writer")
    secret, _ = tokens.create_token(site.catalog, writer, "errors")
    bearer = {"Authorization": f"Bearer {secret}"}
    # Nobody's comment: NotFound from the library, as JSON and as the error page.
    missing = httpx.delete(f"{site.url}/api/v1/comments/999999", headers=bearer)
    assert missing.status_code == 404 and set(missing.json()) == {"error"}
    page = httpx.get(f"{site.url}/comments/999999/edit", headers=session_headers(site, writer))
    assert page.status_code == 404 and "Error 404" in page.text
    # Past the hourly limit: TooMany with its wait, on the API and on the form alike.
    url = f"{site.url}/api/v1/papers/2602.23229/comments"
    for number in range(comments.PER_HOUR):
        made = httpx.post(url, headers=bearer, json={"body": f"Comment {number}."})
        assert made.status_code == 201, made.text
    refused = httpx.post(url, headers=bearer, json={"body": "One too many."})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "600"
    assert "comments an hour" in refused.json()["error"]
    form = httpx.post(
        f"{site.url}/papers/2602.23229/comments",
        headers=session_headers(site, writer),
        data={"body": "One too many, from the page."},
    )
    assert form.status_code == 429 and form.headers["retry-after"] == "600"
    assert "comments an hour" in form.text and "Error 429" in form.text
