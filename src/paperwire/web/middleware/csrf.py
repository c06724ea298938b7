"""Cross-site request forgery: the tokens forms carry, and the check every state-changing
request passes.

- `csrf_protect` is a dependency of the whole app (web/app.py), not ASGI middleware: it
  reads the parsed form (which the route reads again) and refuses through the app's error
  handlers (403, a page or JSON). `csrf_precheck` decides what the headers alone decide
  before any body is read (middleware/body_limit.py calls it): a foreign Origin, a token
  in the header, a request that cannot carry a valid token at all. Every POST, PUT, PATCH
  and DELETE passes it: a bearer-token request carries no ambient credential and is
  exempt; any other must come from our own origin (strict Origin check when the header
  is there) and carry a token bound to its session (form field `csrf_token` or header
  `X-CSRF-Token`). Before login the token is bound to a random `pw_pre` cookie instead.
- RFC 8058 one-click unsubscribe is the one exemption (mail clients POST without cookies).
- `csrf_token_for` makes a page's token (a fresh nonce each time: no fixed secret repeats
  across compressed pages).
"""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from paperwire.accounts import security
from paperwire.web.auth import PRE_SESSION_COOKIE, SESSION_COOKIE, set_pre_session_cookie, viewer
from paperwire.web.context import WebContext

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# POSTs that must work without cookies or a token (RFC 8058 one-click unsubscribe).
CSRF_EXEMPT_PREFIXES = ("/unsubscribe/",)


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


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
FORM_EXPIRED = "this form has expired or did not come from this site: reload and retry"


def _checked(request: Request) -> bool:
    """Whether `request` must pass the CSRF check at all."""
    if request.method not in UNSAFE_METHODS:
        return False
    if request.url.path.startswith(CSRF_EXEMPT_PREFIXES):
        return False
    # An API call without a session cookie carries no ambient credential (and the API has
    # no login to forge): the route's access answers it, 401 when anonymous, as documented.
    if request.url.path.startswith("/api/") and SESSION_COOKIE not in request.cookies:
        return False
    # A bearer token is no ambient credential: a forged cross-site request cannot carry it.
    return not request.headers.get("authorization", "").lower().startswith("bearer ")


async def csrf_precheck(request: Request) -> bool:
    """What the check can decide from the headers alone, before the body is read (the body
    limit middleware asks this first): a foreign Origin, a token in the header, or no
    token possible at all (a body that is no form, or no cookie to bind one to). Raises
    HTTPException 403; returns whether the request passed for good (True), or its form's
    token is still to be read by `csrf_protect` (False)."""
    if not _checked(request):
        return True
    if not _same_origin(request):
        raise HTTPException(status_code=403, detail="cross-site request refused")
    token = request.headers.get(CSRF_HEADER)
    is_form = request.headers.get("content-type", "").startswith(_FORM_TYPES)
    has_binding = SESSION_COOKIE in request.cookies or PRE_SESSION_COOKIE in request.cookies
    if token is None and is_form and has_binding:
        return False
    if not await _csrf_token_matches(request, token):
        raise HTTPException(status_code=403, detail=FORM_EXPIRED)
    return True


async def csrf_protect(request: Request) -> None:
    """Installed on the whole app: refuses cross-site state changes (403)."""
    if not _checked(request):
        return
    if not _same_origin(request):
        raise HTTPException(status_code=403, detail="cross-site request refused")
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        # Bounded: the body limit middleware stops a body past PAPERWIRE_MAX_FORM_BYTES.
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not await _csrf_token_matches(request, token):
        raise HTTPException(status_code=403, detail=FORM_EXPIRED)
