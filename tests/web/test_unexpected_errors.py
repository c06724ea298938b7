"""An error nobody expected (web/errors.py's last handler): the site's own 500 page or
JSON, with the security headers, never the framework's bare "Internal Server Error"."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.web.app import create_app
from paperwire.web.middleware.security import CONTENT_SECURITY_POLICY
from tests.support.servers import running


def _fails() -> None:
    raise RuntimeError("a bug in a route")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("errors") / "data")
    catalog = Catalog.open(settings.catalog_url())
    # The real app (middleware, handlers, routes) plus two routes that fail.
    app = create_app(settings, catalog=catalog, semantic=False)
    app.add_api_route("/boom", _fails)
    app.add_api_route("/api/v1/boom", _fails)
    try:
        with running(app) as served:
            yield served
    finally:
        catalog.close()


def test_an_unhandled_exception_on_a_page_is_the_error_page_with_security_headers(
    url: str,
) -> None:
    answer = httpx.get(f"{url}/boom")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert "Error 500" in answer.text and "error-message" in answer.text
    assert answer.text != "Internal Server Error"
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "a bug in a route" not in answer.text  # no internals shown


def test_an_unhandled_exception_in_the_api_is_json_with_security_headers(url: str) -> None:
    answer = httpx.get(f"{url}/api/v1/boom")
    assert answer.status_code == 500
    assert set(answer.json()) == {"error"}
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["referrer-policy"] == "same-origin"


def test_a_client_can_go_on_after_a_500_on_its_connection(url: str) -> None:
    # uvicorn drops the connection after an error escaped the app; the 500 says so.
    with httpx.Client(base_url=url) as http:
        failed = http.get("/boom")
        assert failed.status_code == 500
        assert failed.headers["connection"] == "close"
        assert http.get("/healthz").status_code == 200
