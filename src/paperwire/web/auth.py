"""Who is asking, and may they: session cookies, bearer tokens and route access.

- A browser carries `pw_session` (HttpOnly, SameSite=Lax, Secure over https); API clients
  send `Authorization: Bearer pw_...`. `viewer(request)` resolves either, once per request.
- Each route of the table in web/routes.py names the least access it needs; the app gives
  the route `enforcement(access)` (a `requires(access)` dependency), so what the table
  says is what is enforced. docs/community.md and the authorisation test read the table.
- The CSRF check every state-changing request passes is middleware/csrf.py.
- A request with a body has its access (and what CSRF can tell from headers) decided
  before the body is read: middleware/body_limit.py asks `check_access` for the route the
  request matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Request, Response

from paperwire.accounts import auth as community_auth
from paperwire.accounts import security
from paperwire.accounts.model import Role, User
from paperwire.web.context import WebContext, web_context

SESSION_COOKIE = "pw_session"
PRE_SESSION_COOKIE = "pw_pre"
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


# -- route roles ------------------------------------------------------------------------


def check_access(current: Viewer, access: Access) -> Viewer:
    """Let `access` through: HTTPException 401 for anonymous, Forbidden (403) for too low a
    role (or an unverified address where "verified" is asked)."""
    if access == "anyone":
        return current
    if current.user is None:
        raise HTTPException(status_code=401, detail="log in first")
    # A refusal raises Forbidden: the app's error handler answers it with 403.
    if access == "verified":
        security.require_verified(current.user)
    else:
        role: Role = "user" if access == "user" else access
        security.require_role(current.user, role)
    return current


def requires(access: Access) -> Any:
    """A dependency that lets `access` through (`check_access`). The body limit middleware
    (middleware/body_limit.py) asks the same before a request's body is read; this is the
    check for everything else, and for routes called without that middleware."""

    def check(current: CurrentViewer) -> Viewer:
        return check_access(current, access)

    check.access = access  # type: ignore[attr-defined]
    return Depends(check)


def access_of(route: object) -> Access:
    """The access a route of the app was registered with (its `requires` dependency), or
    "anyone" for one without (static files, the open routes)."""
    for dependency in getattr(route, "dependencies", ()):
        access: Access | None = getattr(dependency.dependency, "access", None)
        if access is not None:
            return access
    return "anyone"


def enforcement(access: Access) -> list[Any]:
    """The dependencies a route of the table (web/routes.py) carries for its access: none
    for "anyone" (no account is looked up), else `requires(access)`."""
    return [] if access == "anyone" else [requires(access)]
