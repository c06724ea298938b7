"""What the account pages share (pages/account.py, account_settings.py,
account_security.py): rendering with a CSRF token and no caching, redirects, sessions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from paperwire.accounts import passwords, sessions
from paperwire.accounts import users as accounts
from paperwire.accounts.model import User
from paperwire.web.auth import Viewer, set_pre_session_cookie, set_session_cookie
from paperwire.web.context import WebContext, web_context
from paperwire.web.middleware.csrf import csrf_token_for
from paperwire.web.templating import TEMPLATES

Context = Annotated[WebContext, Depends(web_context)]
FormText = Annotated[str, Form(max_length=accounts.EMAIL_MAX)]
Secret = Annotated[str, Form(max_length=passwords.MAX_LENGTH + 1)]
LongText = Annotated[str, Form(max_length=accounts.BIO_MAX * 2)]
# Fixed messages for ?done= after a redirect: the URL never carries text to reflect.
DONE = {
    "profile": "Your profile is saved.",
    "password": (
        "Your password is changed; other browsers have been logged out, and your API tokens "
        "and password-reset links no longer work."
    ),
    "reset": (
        "Your new password is set and you are logged in. Every other browser has been "
        "logged out, and your API tokens no longer work."
    ),
    "verification": "A new confirmation link is on its way to your address.",
    "verified": "Your address is confirmed and you are logged in. You can use everything now.",
    "token-revoked": "The token is revoked.",
    "sessions": "Your other browsers have been logged out (API tokens keep working).",
}


# -- rendering -------------------------------------------------------------------------


def page(
    request: Request,
    web: WebContext,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    forms: bool = True,
) -> Response:
    """An account page. With `forms`: a CSRF token for them (and, for an anonymous visitor,
    the pre-session cookie it is bound to) and no caching anywhere."""
    if forms:
        context = {"csrf_token": csrf_token_for(request, None, web), **context}
    response = TEMPLATES.TemplateResponse(
        request, f"account/{template}", context, status_code=status, headers=headers
    )
    pre_session = getattr(request.state, "pre_session", None)
    if pre_session is not None:
        set_pre_session_cookie(request, response, pre_session)
    if forms or "cookie" in request.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def message(
    request: Request, web: WebContext, title: str, *lines: str, status: int = 200
) -> Response:
    context = {"title": title, "lines": lines}
    return page(request, web, "message.html", context, status, forms=False)


def see_other(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def start_session(request: Request, web: WebContext, user: User, target: str) -> Response:
    """A new session for `user` (a new id: never one the browser had), then `target`."""
    session_id = sessions.create_session(
        web.catalog, user, ip=client_ip(request), user_agent=request.headers.get("user-agent")
    )
    response = see_other(target)
    set_session_cookie(request, response, session_id)
    return response


def signed_in(current: Viewer) -> User:
    assert current.user is not None  # the route needs "user" (web/routes.py)
    return current.user
