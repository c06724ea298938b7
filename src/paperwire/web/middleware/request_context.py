"""Per request: an id, a time and, when asked for, one access-log line.

The id is the client's `X-Request-ID` when it is a sane one (1 to 64 characters of
[A-Za-z0-9._-]: a proxy's or a load balancer's id carries through, so one search finds the
request in every log), else a fresh one. It goes back in the response's `X-Request-ID`
header and into `paperwire.logs.request_id` for every record logged while the request runs.

The route a request is counted and logged under is the route table's path template
(`/papers/{paper_id:path}`), never the raw URL: one label value per row, however many
papers are asked for. Requests no row matches count as "unmatched".

Added outermost (web/app.py), so the time includes the cache's replays and the body checks.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperwire import logs

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
UNMATCHED = "unmatched"
access_log = logging.getLogger("paperwire.access")

# (method, route template, status, seconds) for each request answered: web/metrics.py.
Observer = Callable[[str, str, int, float], None]


def request_id_from(value: str | None) -> str:
    """The client's id when sane, else a new random one (32 hex digits)."""
    if value is not None and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def route_template(scope: Scope, routes: list[BaseRoute]) -> str:
    """The path of the route that answered `scope` (the router leaves it in the scope), or
    of the first route that matches it (a cached reply never reached the router)."""
    route = scope.get("route")
    if route is None:
        for candidate in routes:
            if candidate.matches(scope)[0] == Match.FULL:
                route = candidate
                break
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


# Matching a path against every row costs ~0.3 ms, about what a cached reply costs: the
# templates of recent cached paths are remembered (popular pages are what the cache holds).
TEMPLATE_CACHE_SIZE = 4096


class RequestContextMiddleware:
    """Pure ASGI. `routes` are the app's routes (for the template of a request the router
    never saw); `observe` is told every answered request; `log_access` writes one INFO
    record per request to the `paperwire.access` logger."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: list[BaseRoute],
        observe: Observer | None = None,
        log_access: bool = False,
    ) -> None:
        self.app = app
        self.routes = routes
        self.observe = observe
        self.log_access = log_access
        self._templates: OrderedDict[tuple[str, str], str] = OrderedDict()

    def template(self, scope: Scope) -> str:
        if "route" in scope:
            return route_template(scope, self.routes)
        key = (scope["method"], scope["path"])
        found = self._templates.get(key)
        if found is not None:
            self._templates.move_to_end(key)
        else:
            found = self._templates[key] = route_template(scope, self.routes)
            if len(self._templates) > TEMPLATE_CACHE_SIZE:
                self._templates.popitem(last=False)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        raw = headers.get(b"x-request-id")
        rid = request_id_from(raw.decode("latin-1") if raw is not None else None)
        token = logs.request_id.set(rid)
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, rid, status, time.perf_counter() - started)
            logs.request_id.reset(token)

    def _record(self, scope: Scope, rid: str, status: int, seconds: float) -> None:
        method = scope["method"]
        route = self.template(scope)
        if self.observe is not None:
            self.observe(method, route, status, seconds)
        if self.log_access:
            client = scope.get("client")
            duration_ms = round(seconds * 1000, 2)
            path = logged_path(scope["path"], route)
            access_log.info(
                "%s %s %d %.1fms",
                method,
                path,
                status,
                duration_ms,
                extra={
                    "request_id": rid,
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                    "client": client[0] if client else None,
                },
            )


def logged_path(path: str, route: str) -> str:
    """The path as the access log writes it: a route whose path carries a secret (a private
    feed's, a digest link's `{token}`) is logged as its template, so logs hold no secrets."""
    return route if "{token}" in route else path
