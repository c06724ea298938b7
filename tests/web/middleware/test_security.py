"""middleware/security.py: every response carries the security headers (a strict
Content-Security-Policy, no MIME sniffing, a same-origin referrer): pages, both APIs,
markdown, feeds, static files, errors, redirects and responses replayed from the cache;
a response that sets one of them itself keeps its own."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from paperwire.web.health import healthz
from paperwire.web.middleware.security import CONTENT_SECURITY_POLICY, SecurityHeadersMiddleware
from tests.support.servers import running
from tests.web.conftest import Site

PATHS = (
    "/",
    "/papers/2602.23229",
    "/papers/2602.23229.md",
    "/api/daily_papers",
    "/api/v1/papers",
    "/feeds/daily.atom",
    "/static/favicon.svg",
    "/papers/2401.99999",  # the error page
    "/api/papers/2401.99999",  # an error as JSON
    "/papers/week",  # a redirect
)


def test_every_kind_of_response_carries_the_headers(demo_site: Site) -> None:
    with httpx.Client(base_url=demo_site.url) as http:
        for path in PATHS:
            for _ in range(2):  # the second may come from the response cache
                headers = http.get(path).headers
                assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
                assert headers["x-content-type-options"] == "nosniff", path
                assert headers["referrer-policy"] == "same-origin", path


def test_the_policy_allows_no_inline_script_and_nothing_from_elsewhere() -> None:
    rules = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert rules["script-src"] == "'self'"  # neither 'unsafe-inline' nor 'unsafe-eval'
    assert rules["default-src"] == "'self'" and rules["object-src"] == "'none'"
    assert rules["frame-ancestors"] == "'none'" and rules["form-action"] == "'self'"
    assert all("http" not in sources for sources in rules.values())


def test_a_response_that_sets_a_header_itself_keeps_it() -> None:
    app = FastAPI()
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_api_route("/healthz", healthz)

    def shared() -> PlainTextResponse:
        return PlainTextResponse("linked", headers={"Referrer-Policy": "no-referrer"})

    app.add_api_route("/shared", shared)
    with running(app) as url:
        answer = httpx.get(f"{url}/shared")
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers.get_list("referrer-policy") == ["no-referrer"]
    assert answer.headers["x-content-type-options"] == "nosniff"
