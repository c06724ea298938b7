"""Who is asking, and may they: session cookies, bearer tokens, CSRF, and route roles.

- A browser carries `pw_session` (HttpOnly, SameSite=Lax, Secure over https); API clients
  send `Authorization: Bearer pw_...`. `viewer(request)` resolves either, once per request.
- Every state-changing request (POST, PUT, PATCH, DELETE) passes `csrf_protect`, installed
  on the whole app: a bearer-token request carries no ambient credential and is exempt;
  any other must come from our own origin (strict Origin check when the header is there)
  and carry a token bound to its session (form field `csrf_token` or header
  `X-CSRF-Token`). Before login the token is bound to a random `pw_pre` cookie instead.
  RFC 8058 one-click unsubscribe is the one exemption (mail clients POST without cookies).
- A route states the least role it needs with `dependencies=[requires("user")]`;
  `route_table(app)` reads those back, so docs/community.md and the authorisation test
  are generated from the routes themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request, Response, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from paperwire.accounts import auth as community_auth
from paperwire.accounts import security
from paperwire.accounts.model import Role, User
from paperwire.errors import Forbidden
from paperwire.web.context import WebContext, web_context

SESSION_COOKIE = "pw_session"
PRE_SESSION_COOKIE = "pw_pre"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# POSTs that must work without cookies or a token (RFC 8058 one-click unsubscribe).
CSRF_EXEMPT_PREFIXES = ("/unsubscribe/",)
SESSION_MAX_AGE = 30 * 24 * 3600

Access = Literal["anyone", "user", "verified", "moderator", "admin"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person behind a request (user None: anonymous)."""

    user: User | None
    session_id: str | None
    via: Literal["session", "token", "none"]
    # The id CSRF tokens are bound to: the session, or the pre-session cookie.
    csrf_binding: str | None

    @property
    def signed_in(self) -> bool:
        return self.user is not None


def viewer(request: Request, web: Annotated[WebContext, Depends(web_context)]) -> Viewer:
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    authorization = request.headers.get("authorization")
    session_id = request.cookies.get(SESSION_COOKIE)
    if authorization:
        user = community_auth.current_user(web.catalog, authorization=authorization)
        found = Viewer(user, None, "token" if user else "none", None)
    else:
        user = community_auth.current_user(web.catalog, session_id=session_id)
        if user is not None:
            found = Viewer(user, session_id, "session", session_id)
        else:
            found = Viewer(None, None, "none", request.cookies.get(PRE_SESSION_COOKIE))
    request.state.viewer = found
    return found


CurrentViewer = Annotated[Viewer, Depends(viewer)]


def csrf_token_for(request: Request, response: Response | None, web: WebContext) -> str:
    """A token for a form on this page. Anonymous visitors get a pre-session cookie to bind
    it to (set on `response`, or by the caller through `request.state.pre_session`)."""
    current = viewer(request, web)
    # Several forms on one page share one pre-session binding (and one cookie).
    binding = current.csrf_binding or getattr(request.state, "pre_session", None)
    if binding is None:
        binding = secrets.token_urlsafe(24)
        request.state.pre_session = binding
        if response is not None:
            set_pre_session_cookie(request, response, binding)
    return security.csrf_token(web.settings, binding)


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        secure=_is_https(request),
        samesite="lax",
        path="/",
    )
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")


def set_pre_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        PRE_SESSION_COOKIE,
        value,
        max_age=3600 * 12,
        httponly=True,
        secure=_is_https(request),
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not every client sends it; the token still has to match
    expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
    base_url = request.app.state.web.settings.base_url
    allowed = {expected.lower()}
    if base_url:
        allowed.add(base_url.rstrip("/").lower())
    return origin.lower() in allowed


async def _csrf_token_matches(request: Request, token: str | None) -> bool:
    """Whether `token` is bound to what viewer() binds this request's forms to: the live
    session, else the pre-session cookie. A browser still holding an expired session
    cookie gets login forms bound to the pre-session cookie and must be able to post them;
    a live session's forms are always bound to the session (a planted pre-session cookie
    cannot stand in for it)."""
    settings = request.app.state.web.settings
    session_cookie = request.cookies.get(SESSION_COOKIE)
    if security.csrf_valid(settings, session_cookie, token):
        return True
    if not security.csrf_valid(settings, request.cookies.get(PRE_SESSION_COOKIE), token):
        return False
    if session_cookie is None:
        return True
    current = await run_in_threadpool(viewer, request, request.app.state.web)
    return not current.signed_in


async def csrf_protect(request: Request) -> None:
    """Installed on the whole app: refuses cross-site state changes (403)."""
    if request.method not in UNSAFE_METHODS:
        return
    if request.url.path.startswith(CSRF_EXEMPT_PREFIXES):
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return  # no ambient credential: a forged cross-site request cannot carry it
    if not _same_origin(request):
        raise HTTPException(status_code=403, detail="cross-site request refused")
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not await _csrf_token_matches(request, token):
        raise HTTPException(
            status_code=403,
            detail="this form has expired or did not come from this site: reload and retry",
        )


# -- route roles ------------------------------------------------------------------------


def requires(access: Access) -> Any:
    """`dependencies=[requires("user")]` on a route: 401 for anonymous, 403 for too low a
    role (or an unverified address where "verified" is asked)."""

    def check(current: CurrentViewer) -> Viewer:
        if access == "anyone":
            return current
        if current.user is None:
            raise HTTPException(status_code=401, detail="log in first")
        try:
            if access == "verified":
                security.require_verified(current.user)
            else:
                role: Role = "user" if access == "user" else access
                security.require_role(current.user, role)
        except Forbidden as error:
            raise HTTPException(status_code=403, detail=str(error)) from None
        return current

    check.access = access  # type: ignore[attr-defined]
    return Depends(check)


@dataclass(frozen=True, slots=True)
class RouteAccess:
    method: str
    path: str
    access: Access


def route_access(route: APIRoute, dependant: Dependant | None = None) -> Access:
    for dependency in (dependant or route.dependant).dependencies:
        access = getattr(dependency.call, "access", None)
        if access is not None:
            return access  # type: ignore[no-any-return]
    return "anyone"


def api_routes(app: FastAPI) -> Iterator[tuple[str, set[str], APIRoute, Dependant]]:
    """(path, methods, route, dependant) of every API route, however deep its router was
    included. Recent FastAPI keeps an included router whole in `app.routes` (one
    `_IncludedRouter` entry) instead of copying its routes, so `app.routes` alone lists
    only the routes declared on the app itself; `routing.iter_route_contexts` walks them."""
    iterate = getattr(routing, "iter_route_contexts", None)
    if iterate is None:  # older FastAPI: included routes are copied into app.routes
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield route.path, set(route.methods or ()), route, route.dependant
        return
    for context in iterate(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            path = context.path or route.path
            methods = set(context.methods or route.methods or ())
            yield path, methods, route, getattr(context, "dependant", route.dependant)


def route_table(app: FastAPI) -> list[RouteAccess]:
    """Every route with the least access it needs, sorted by path then method."""
    table = [
        RouteAccess(method, path, route_access(route, dependant))
        for path, methods, route, dependant in api_routes(app)
        for method in sorted(methods)
    ]
    return sorted(table, key=lambda item: (item.path, item.method))
