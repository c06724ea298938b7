"""web/routes.py: the one route table. The app serves exactly its rows, in its order, each
with the enforcement of the access the row gives it, and no module registers a route of
its own."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match

import paperwire.web
from paperwire.config import Settings
from paperwire.web.app import create_app
from paperwire.web.auth import Access
from paperwire.web.routes import ROUTES
from paperwire.web.routing import Route

# Sample values for path parameters; a paper id with a slash, as old arXiv ids have.
SAMPLES = {"paper_id": "hep-th/9901001", "fmt": "atom", "category": "cs.CL"}
_PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("routes") / "data")
    built = create_app(settings, semantic=False, cache=False)
    yield built
    built.state.web.catalog.close()


def _served(app: FastAPI) -> list[APIRoute]:
    return [route for route in app.routes if isinstance(route, APIRoute)]


def _sample_path(row: Route) -> str:
    return _PARAMETER.sub(lambda found: SAMPLES.get(found.group(1), "x1"), row.path)


def test_the_app_serves_every_row_of_the_table_and_nothing_else(app: FastAPI) -> None:
    served = [(method, route.path) for route in _served(app) for method in route.methods]
    rows = [(row.method, row.path) for row in ROUTES]
    assert served == rows  # the same routes, in the same order
    assert [pair for pair, count in Counter(rows).items() if count > 1] == []
    # Besides the rows: the OpenAPI document and the static files only.
    others = {getattr(route, "path", None) for route in app.routes} - {path for _, path in rows}
    assert others == {"/openapi.json", "/static"}
    assert len(rows) >= 90


def test_each_route_enforces_the_access_of_its_row(app: FastAPI) -> None:
    """The enforcement comes from the row: requires(access) for all but "anyone"."""
    for route, row in zip(_served(app), ROUTES, strict=True):
        checks = [
            dependency.call.access  # type: ignore[attr-defined]
            for dependency in route.dependant.dependencies
            if hasattr(dependency.call, "access")
        ]
        assert checks == ([] if row.access == "anyone" else [row.access]), row
        assert route.endpoint is row.handler
    assert {row.access for row in ROUTES} == set(get_args(Access))


def test_a_request_reaches_the_row_that_names_it(app: FastAPI) -> None:
    """The order of the table: no earlier row takes a request meant for a later one (paper
    ids match as paths, so /papers/{id}/upvote must come before /papers/{id})."""
    misrouted = []
    for row in ROUTES:
        path = _sample_path(row)
        scope = {"type": "http", "path": path, "root_path": "", "method": row.method}
        first = next(route for route in app.router.routes if route.matches(scope)[0] is Match.FULL)
        if getattr(first, "endpoint", None) is not row.handler:
            misrouted.append(f"{row.method} {path}: {getattr(first, 'path', first)}")
    assert misrouted == []


def test_pages_stay_out_of_the_api_document_and_operations_are_in_it(app: FastAPI) -> None:
    documented = app.openapi()["paths"]
    for row in ROUTES:
        shown = _PARAMETER.sub(lambda found: "{" + found.group(1) + "}", row.path)
        operation = documented.get(shown, {}).get(row.method.lower())
        if row.kind.name in ("page", "probe"):
            assert operation is None, row
        else:
            assert operation is not None and operation["summary"] == row.kind.summary, row
            assert operation["tags"] == [row.kind.tag]
    assert {row.kind.name for row in ROUTES} == {"page", "probe", "api", "hf", "feed"}
    assert all(row.path.startswith("/api/") for row in ROUTES if row.kind.name == "api")


def test_no_module_registers_routes_of_its_own() -> None:
    """Handlers are plain functions: the table is the only place routes come from."""
    package = Path(paperwire.web.__file__).parent
    routers = []
    for module in pkgutil.walk_packages([str(package)], prefix="paperwire.web."):
        loaded = importlib.import_module(module.name)
        routers += [
            f"{module.name}.{name}"
            for name, value in vars(loaded).items()
            if isinstance(value, APIRouter)
        ]
    assert routers == []


def test_the_quick_path_check_decides_as_the_full_match_would(app: FastAPI) -> None:
    """TableRoute.matches turns a request down on its path's literal start before the regex;
    for every row's sample path (every method) and some odd ones, each route answers as
    FastAPI's own matching does. Behind a root path the quick check stands aside."""
    paths = [_sample_path(row) for row in ROUTES] + [
        "/",
        "/papers/",
        "/papers/2403.01234v2",
        "/papers/hep-th/9901001.md",
        "/papers/x/upvote/more",
        "/search/",
        "/thumbnails/a/b.webp",
        "/authors/A%2FB",
        "/nowhere",
        "",
    ]
    methods = sorted({row.method for row in ROUTES})
    compared = 0
    for route in _served(app):
        for path in paths:
            for method in methods:
                for root_path in ("", "/prefix"):
                    scope = {
                        "type": "http",
                        "path": root_path + path,
                        "root_path": root_path,
                        "method": method,
                    }
                    quick = route.matches(dict(scope))[0]
                    full = APIRoute.matches(route, dict(scope))[0]
                    assert quick == full, (route.path, method, scope["path"])
                    compared += 1
    assert compared > 10_000
