"""Request bodies: bounded, and read only for a request that may make them.

Before anything reads a body (FastAPI parses it before any dependency runs), this
middleware decides what the headers alone decide, so that a stranger's 300 MB POST costs
nothing:

1. a Content-Length over the limit of the route's class (PAPERWIRE_MAX_JSON_BYTES under
   /api/, PAPERWIRE_MAX_FORM_BYTES for the pages' forms) is refused with 413 at once;
2. what CSRF can tell from the headers (middleware/csrf.py `csrf_precheck`): 403;
3. the access of the route the request matches (web/auth.py `check_access`, the row's
   access in web/routes.py): 401 or 403, whenever CSRF was decided from the headers or
   the request carries no credential at all. The viewer it resolves is kept for the
   route.

A body that comes without a length (chunked) is counted as it streams in: once the count
passes the limit, reading stops with 413 (through the app's error handler, or here when
nothing else answered). Refusals are the app's own error page or JSON (web/errors.py).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperwire.errors import CommunityError
from paperwire.web.auth import SESSION_COOKIE, Access, access_of, check_access, viewer
from paperwire.web.errors import error_response
from paperwire.web.middleware.csrf import FORM_EXPIRED, csrf_precheck

# Methods whose requests may carry a body worth refusing.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_PREFIX = "/api/"


class BodyTooLarge(HTTPException):
    """The body passed the route class's limit (raised from `receive`, answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the limit of {limit} bytes")


class BodyLimitMiddleware:
    """Pure ASGI. `routes` are the app's routes (matched as the router matches them, to
    find the access a request needs); `form_bytes` and `json_bytes` the two limits."""

    def __init__(
        self, app: ASGIApp, *, routes: list[BaseRoute], form_bytes: int, json_bytes: int
    ) -> None:
        self.app = app
        self.routes = routes
        self.form_bytes = form_bytes
        self.json_bytes = json_bytes

    def limit_for(self, path: str) -> int:
        return self.json_bytes if path.startswith(JSON_PREFIX) else self.form_bytes

    def _access(self, scope: Scope) -> Access:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return access_of(route)
        return "anyone"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        request = Request(scope)  # no receive: nothing here may read the body
        refusal = await self._refusal(request, limit)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self._call_counted(scope, receive, send, limit)

    async def _refusal(self, request: Request, limit: int) -> Response | None:
        declared = request.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            return error_response(request, 413, BodyTooLarge(limit).detail)
        try:
            await self._check_access(request)
        except HTTPException as error:
            return error_response(request, error.status_code, str(error.detail))
        except CommunityError as error:
            return error_response(request, error.status, str(error))
        return None

    async def _check_access(self, request: Request) -> None:
        """CSRF and the route's access, as far as the headers decide them. A request with
        no credential at all (no session cookie, no Authorization) for a route that needs
        an account is refused whatever its body holds: 401 once its CSRF token checked
        out (in the header), else the CSRF refusal the form would have got. A signed-in
        form post whose token is in the body leaves both to the app's dependencies, in
        their order (CSRF first), over a body bounded by the form limit."""
        if not any(route.matches(request.scope)[0] == Match.FULL for route in self.routes):
            return  # no route takes this method on this path: the router answers 404 or 405
        csrf_decided = await csrf_precheck(request)
        access = self._access(request.scope)
        if access == "anyone":
            return
        credentials = SESSION_COOKIE in request.cookies or "authorization" in request.headers
        if not credentials and not csrf_decided:
            raise HTTPException(403, FORM_EXPIRED)
        if csrf_decided or not credentials:
            current = await run_in_threadpool(viewer, request, request.app.state.web)
            check_access(current, access)

    async def _call_counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as error:
            # Whatever read the body let the refusal through unanswered: answer it here.
            if started:
                raise
            response = error_response(Request(scope), 413, error.detail)
            await response(scope, receive, send)
