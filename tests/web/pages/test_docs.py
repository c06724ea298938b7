"""/docs: Swagger UI from this site's own files, under the site's CSP, over real HTTP."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.routing import APIRoute

from paperwire.web.app import create_app
from paperwire.web.routes import ROUTES, V1
from tests.web.conftest import Site

CHROMIUM = Path("/usr/bin/chromium")


class _Assets(HTMLParser):
    """Every URL the page refers to, and the text of any inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value for name in ("src", "href") if (value := values.get(name))]
        self._in_script = tag == "script"
        if tag == "script" and not values.get("src"):
            self.inline_scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and self.inline_scripts:
            self.inline_scripts[-1] += data


def api_v1_paths() -> set[str]:
    """The paths of api/papers.py's operations (tagged "paperwire API v1" in the route
    table) as /openapi.json spells them: `{paper_id}`, not `{paper_id:path}`."""
    return {re.sub(r":\w+}", "}", route.path) for route in ROUTES if route.kind.tag == V1.tag}


def test_docs_page_uses_only_local_assets(demo_site: Site) -> None:
    page = httpx.get(demo_site.url + "/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assets = _Assets()
    assets.feed(page.text)
    assert assets.inline_scripts == []
    assert set(assets.urls) == {
        "/static/favicon.svg",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/swagger-init.js",
        "/openapi.json",
    }
    expected_types = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
    for url in assets.urls:
        assert url.startswith("/") and not url.startswith("//")
        response = httpx.get(demo_site.url + url)
        assert response.status_code == 200, url
        suffix = Path(url).suffix
        if suffix in expected_types:
            assert response.headers["content-type"].startswith(expected_types[suffix]), url


def test_init_script_points_swagger_at_the_local_schema(demo_site: Site) -> None:
    script = httpx.get(demo_site.url + "/static/swagger-init.js").text
    assert 'url: "/openapi.json"' in script and 'dom_id: "#swagger-ui"' in script
    assert "validatorUrl: null" in script  # else Swagger UI fetches a badge from swagger.io


def test_openapi_documents_every_api_v1_route(demo_site: Site) -> None:
    schema = httpx.get(demo_site.url + "/openapi.json").json()
    expected = api_v1_paths()
    assert expected == {
        "/api/v1/papers",
        "/api/v1/papers/{paper_id}",
        "/api/v1/papers/{paper_id}/similar",
        "/api/v1/search",
        "/api/v1/feeds",
        "/api/v1/stats",
    }
    documented = {path for path in schema["paths"] if path.startswith("/api/v1/")}
    # Every /api/v1 route the app serves (accounts and community ones too) is in the schema.
    app = create_app(demo_site.settings, catalog=demo_site.catalog, semantic=False)
    served = {
        route.path_format
        for route in app.routes
        if isinstance(route, APIRoute)
        and route.path.startswith("/api/v1/")
        and route.include_in_schema
    }
    assert documented == served and len(served) > len(expected)
    for path in expected:
        operation = schema["paths"][path]["get"]
        assert operation["summary"] and operation["description"], path
        content = operation["responses"]["200"]["content"]["application/json"]
        assert content["schema"]["$ref"].startswith("#/components/schemas/"), path
    assert "/docs" not in schema["paths"]
    models = schema["components"]["schemas"]
    assert models["PaperOut"]["examples"][0]["id"] == "2602.23229"
    assert models["ErrorOut"]["properties"] == {"error": {"type": "string", "title": "Error"}}
    search = {p["name"] for p in schema["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert search >= {"q", "mode", "sort", "limit", "offset", "submitted", "listed_on"}
    assert search >= {"categories", "has_code", "min_upvotes"}
    assert "404" in schema["paths"]["/api/v1/papers/{paper_id}"]["get"]["responses"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_swagger_renders_without_leaving_the_site(demo_site: Site) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    origin = urlsplit(demo_site.url).netloc
    requested: list[str] = []
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            page = browser.new_page()

            def route(handle: object) -> None:
                request = handle.request  # type: ignore[attr-defined]
                requested.append(request.url)
                if urlsplit(request.url).netloc == origin:
                    handle.continue_()  # type: ignore[attr-defined]
                else:
                    handle.abort()  # type: ignore[attr-defined]

            page.route("**/*", route)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.goto(demo_site.url + "/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=20_000)
            shown = set(page.locator(".opblock-summary-path").all_inner_texts())
            title = page.locator(".info .title").inner_text()
        finally:
            browser.close()
    assert {path.replace("\u200b", "") for path in shown} >= api_v1_paths()
    assert title.startswith("paperwire")
    assert all(urlsplit(url).netloc == origin for url in requested), requested
    assert demo_site.url + "/openapi.json" in requested
    assert problems == []
