"""The response cache, over real HTTP: replays, invalidation by version, what it never keeps."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from paperwire.catalog.model import Authority
from paperwire.ingest.records import build_record
from paperwire.web.middleware.cache import CacheMiddleware, ResponseCache
from tests.support.servers import running
from tests.web.conftest import Site


@dataclass
class Backend:
    """A tiny app that counts how often each response is really rendered."""

    version: int = 0
    renders: dict[str, int] = field(default_factory=dict)

    def app(self, **options: float) -> Starlette:
        async def page(request: Request) -> Response:
            name = request.url.path + "?" + request.url.query
            self.renders[name] = self.renders.get(name, 0) + 1
            if request.url.path == "/slow":
                await asyncio.sleep(0.3)
            if request.url.path == "/missing":
                return PlainTextResponse("no", status_code=404)
            response = PlainTextResponse(f"{name} v{self.version}")
            if request.url.path == "/login":
                response.set_cookie("session", "x")
            return response

        async def health(_request: Request) -> Response:
            return PlainTextResponse("ok")

        routes = [Route("/healthz", health)] + [
            Route(path, page, methods=["GET", "POST"])
            for path in ("/page", "/slow", "/missing", "/login", "/other")
        ]
        app = Starlette(routes=routes)
        app.add_middleware(
            CacheMiddleware,
            version=lambda: self.version,
            prefixes=("/page", "/slow", "/missing", "/login"),
            **options,
        )
        return app


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
def url(backend: Backend) -> Iterator[str]:
    with running(backend.app()) as base:  # type: ignore[arg-type]
        yield base


def test_replays_until_the_version_changes(backend: Backend, url: str) -> None:
    assert httpx.get(url + "/page").text == "/page? v0"
    assert httpx.get(url + "/page").text == "/page? v0"
    assert backend.renders["/page?"] == 1
    backend.version = 1
    assert httpx.get(url + "/page").text == "/page? v1"
    assert backend.renders["/page?"] == 2


def test_query_strings_are_separate_entries(backend: Backend, url: str) -> None:
    assert httpx.get(url + "/page?q=a").text == "/page?q=a v0"
    assert httpx.get(url + "/page?q=b").text == "/page?q=b v0"
    httpx.get(url + "/page?q=a")
    assert backend.renders == {"/page?q=a": 1, "/page?q=b": 1}


def test_personal_requests_errors_and_cookies_are_never_cached(backend: Backend, url: str) -> None:
    for _ in range(2):
        httpx.get(url + "/page", headers={"Cookie": "session=abc"})
        httpx.get(url + "/page", headers={"Authorization": "Bearer t"})
        assert httpx.get(url + "/missing").status_code == 404
        httpx.get(url + "/login")
        httpx.get(url + "/other")  # not under a cached prefix
        httpx.post(url + "/page")
    assert backend.renders["/page?"] == 6  # 2 cookie + 2 bearer + 2 POST
    assert backend.renders["/missing?"] == 2
    assert backend.renders["/login?"] == 2
    assert backend.renders["/other?"] == 2


def test_a_burst_on_a_stale_page_renders_it_once(backend: Backend, url: str) -> None:
    async def burst() -> list[str]:
        async with httpx.AsyncClient(base_url=url) as client:
            responses = await asyncio.gather(*(client.get("/slow") for _ in range(32)))
        return [response.text for response in responses]

    assert set(asyncio.run(burst())) == {"/slow? v0"}
    assert backend.renders["/slow?"] == 1


def test_entries_expire_after_max_age(backend: Backend) -> None:
    with running(backend.app(max_age_seconds=0.2)) as base:  # type: ignore[arg-type]
        httpx.get(base + "/page")
        httpx.get(base + "/page")
        time.sleep(0.3)
        httpx.get(base + "/page")
    assert backend.renders["/page?"] == 2


def test_lru_bounds_entries_and_bytes() -> None:
    from paperwire.web.middleware.cache import _Entry

    cache = ResponseCache(max_entries=3, max_bytes=16 * 100)
    for index in range(5):
        cache.put(f"k{index}".encode(), _Entry(0, 0.0, 200, [], b"x" * 10))
    assert len(cache) == 3 and cache.get(b"k0", 0, -1) is None and cache.get(b"k4", 0, -1)
    cache.put(b"huge", _Entry(0, 0.0, 200, [], b"x" * 1000))  # over 1/16 of the budget
    assert cache.get(b"huge", 0, -1) is None


def test_the_site_shows_a_new_paper_at_once(tmp_path: object, demo_site: Site) -> None:
    """The real app caches `/`; a commit to the catalog must show on the very next request."""
    before = httpx.get(demo_site.url + "/").text
    assert httpx.get(demo_site.url + "/").text == before
    day = demo_site.catalog.latest_listed_on()
    assert day is not None
    demo_site.catalog.upsert(
        [
            build_record(
                source="hf-listing",
                source_record_id="cache-test",
                authority=Authority.LISTING,
                raw_id=None,
                title="A freshly listed paper about cache invalidation",
                abstract="Words.",
                listed_on=day + dt.timedelta(days=1),
            )
        ]
    )
    assert "A freshly listed paper about cache invalidation" in httpx.get(demo_site.url + "/").text
