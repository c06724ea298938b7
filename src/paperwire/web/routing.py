"""How a row of the route table (web/routes.py) becomes a route of the app.

A `Route` is one method on one path: its handler (a plain function in its module), the
least access it needs (web/auth.py `Access`) and its `Kind`: a page, the health probe, or
an operation of one of the JSON APIs or of the feeds, with what /openapi.json says about
it. `add_routes` registers rows in the order given, which is the order requests are
matched in, and gives each route the dependencies that enforce its access
(`auth.enforcement`): the access the table shows is the access the app enforces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from paperwire.web import openapi
from paperwire.web.auth import Access, enforcement

KindName = Literal["page", "probe", "api", "hf", "feed"]
Responses = dict[int | str, dict[str, Any]]
Handler = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Kind:
    """What a route answers. Pages and the probe stay out of /openapi.json; an operation
    of an API ("api": /api/v1, "hf": huggingface.co's shapes) or a feed is there under its
    tag, with its summary, response model, status code and documented responses. `bearer`
    is the dependency that shows the bearer scheme (the "Authorize" button of /docs) on
    the operations that need an account."""

    name: KindName
    tag: str | None = None
    summary: str | None = None
    model: type[BaseModel] | None = None
    status: int | None = None
    responses: Responses = field(default_factory=dict)
    description: str | None = None
    bearer: Any = None
    # The class its successful answers are made with, for their media type in the docs.
    response_class: type[Response] | None = None

    @property
    def documented(self) -> bool:
        return self.name in ("api", "hf", "feed")


PAGE = Kind("page")
PROBE = Kind("probe")


@dataclass(frozen=True, slots=True)
class Api:
    """A part of the APIs as /openapi.json groups it: its tag, what each error status its
    operations may document means, what all of them document, and its bearer scheme.
    Calling it describes one operation: `COMMUNITY("Upvote a paper", UpvoteOut,
    errors=(401, 404))`."""

    name: KindName
    tag: str
    errors: Responses = field(default_factory=dict)
    always: Responses = field(default_factory=dict)
    bearer: Any = None
    response_class: type[Response] | None = None

    def __call__(
        self,
        summary: str,
        model: type[BaseModel] | None = None,
        *,
        errors: Sequence[int] = (),
        status: int | None = None,
        responses: Responses | None = None,
        description: str | None = None,
        response_class: type[Response] | None = None,
    ) -> Kind:
        documented = {**self.always, **(responses or {})}
        documented.update({code: self.errors[code] for code in errors})
        return Kind(
            self.name,
            self.tag,
            summary,
            model,
            status,
            documented,
            description,
            self.bearer,
            response_class or self.response_class,
        )


@dataclass(frozen=True, slots=True)
class Route:
    """One row of the table: `method` on `path` is `handler`, for callers with `access`."""

    method: str
    path: str
    handler: Handler
    access: Access
    kind: Kind


class TableRoute(APIRoute):
    """A route of the table. A request in a method it lacks is answered 405 with an Allow
    header that lists the methods of every row on the same path (Starlette's lists the
    one row the request happened to reach: GET for a PATCH-able /api/v1/me)."""

    allowed: frozenset[str] = frozenset()

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        # What every path this route matches starts with (all of it for a path without
        # parameters): the router tries the rows in turn, a page's row is near the end of
        # 120, and a regex match per row cost more than the rest of routing.
        literal, brace, _ = self.path.partition("{")
        self._exact = literal if not brace else None
        self._prefix = literal

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Behind a proxy's root path the router compares the path without it: leave that
        # to FastAPI and Starlette.
        if scope["type"] == "http" and not scope.get("root_path"):
            path: str = scope["path"]
            if self._exact is not None:
                elsewhere = path != self._exact
            else:
                elsewhere = not path.startswith(self._prefix)
            if elsewhere:
                return Match.NONE, {}
        return super().matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            allow = ", ".join(sorted(self.allowed or self.methods))
            raise HTTPException(status_code=405, headers={"Allow": allow})
        await super().handle(scope, receive, send)


def add_routes(app: FastAPI, routes: Iterable[Route]) -> None:
    """Register `routes` on `app`, in order (the first route that matches a request wins),
    and complete /openapi.json with what the app answers beyond each row (openapi.py)."""
    rows = list(routes)
    methods: dict[str, set[str]] = {}
    for route in rows:
        methods.setdefault(route.path, set()).add(route.method)
    for route in rows:
        app.router.add_api_route(
            route.path,
            route.handler,
            methods=[route.method],
            route_class_override=TableRoute,
            **options(route),
        )
        registered = app.router.routes[-1]
        assert isinstance(registered, TableRoute)
        registered.allowed = frozenset(methods[route.path])
    openapi.install(app, ((route.path, route.method, route.access) for route in rows))


def options(route: Route) -> dict[str, Any]:
    """FastAPI's arguments for `route`: the dependencies that enforce its access (and show
    the bearer scheme), and how /openapi.json describes it, if at all."""
    kind = route.kind
    dependencies = enforcement(route.access)
    if kind.bearer is not None and route.access != "anyone":
        dependencies.append(kind.bearer)
    found: dict[str, Any] = {"dependencies": dependencies, "include_in_schema": kind.documented}
    if kind.name == "page":
        found["response_class"] = HTMLResponse
    if kind.response_class is not None:
        found["response_class"] = kind.response_class
    if kind.documented:
        found.update(
            tags=[kind.tag],
            summary=kind.summary,
            description=kind.description,
            status_code=kind.status,
            responses=kind.responses or None,
        )
    if kind.model is not None:
        found["response_model"] = kind.model
    return found
