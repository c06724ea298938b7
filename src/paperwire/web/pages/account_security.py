"""Account pages about what can act as the person: the sessions page (each logged-in
browser, and logging any one of them out) and deleting the account.

Like the other account forms (pages/account.py): nothing changes on GET, every form
carries a CSRF token, and the password asked for before deleting goes through the login
throttle (accounts/auth.check_password).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperwire.accounts import auth as community_auth
from paperwire.accounts import deletion, passwords, sessions
from paperwire.accounts.model import User
from paperwire.community import collections
from paperwire.digest.subscriptions import Subscriptions
from paperwire.recommend import signals
from paperwire.recommend.readers import Reader
from paperwire.signing import secret_key, token_hash
from paperwire.web.auth import CurrentViewer, Viewer, clear_session_cookie
from paperwire.web.context import WebContext, web_context
from paperwire.web.middleware.csrf import csrf_token_for
from paperwire.web.templating import TEMPLATES

log = logging.getLogger(__name__)
Context = Annotated[WebContext, Depends(web_context)]
Secret = Annotated[str, Form(max_length=passwords.MAX_LENGTH + 1)]
SessionRef = Annotated[str, Form(max_length=sessions.REF_CHARS)]


def _signed_in(current: Viewer) -> User:
    assert current.user is not None  # the routes need "user" (web/routes.py)
    return current.user


def _page(
    request: Request, web: WebContext, template: str, context: dict[str, object], status: int
) -> Response:
    context = {"csrf_token": csrf_token_for(request, None, web), **context}
    response = TEMPLATES.TemplateResponse(
        request, f"account/{template}", context, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# -- sessions ----------------------------------------------------------------------------


def _sessions_page(
    request: Request,
    web: WebContext,
    current: Viewer,
    *,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    user = _signed_in(current)
    context = {
        "title": "Logged-in browsers",
        "user": user,
        "sessions": sessions.list_sessions(web.catalog, user),
        "this_session": token_hash(current.session_id) if current.session_id else None,
        "notice": notice,
    }
    return _page(request, web, "sessions.html", context, status)


DONE = {"session-revoked": "That browser has been logged out."}


def sessions_page(
    request: Request,
    web: Context,
    current: CurrentViewer,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return _sessions_page(request, web, current, notice=DONE.get(done))


def revoke_session(
    request: Request, web: Context, current: CurrentViewer, session: SessionRef = ""
) -> Response:
    """Log one browser out (this one too, if asked: then to the home page)."""
    user = _signed_in(current)
    this_one = bool(current.session_id) and token_hash(current.session_id or "").startswith(session)
    if not session or not sessions.revoke_session(web.catalog, user, session):
        notice = "No such logged-in browser of yours (it may have logged out already)."
        return _sessions_page(request, web, current, notice=notice, status=404)
    if this_one:
        response = RedirectResponse("/", status_code=303)
        clear_session_cookie(response)
        return response
    return RedirectResponse("/settings/sessions?done=session-revoked", status_code=303)


# -- deleting the account ------------------------------------------------------------------


def _delete_page(
    request: Request, web: WebContext, current: Viewer, *, error: str | None, status: int
) -> Response:
    context = {"title": "Delete your account", "user": _signed_in(current), "error": error}
    return _page(request, web, "delete.html", context, status)


def delete_form(request: Request, web: Context, current: CurrentViewer) -> Response:
    return _delete_page(request, web, current, error=None, status=200)


def delete_account(
    request: Request, web: Context, current: CurrentViewer, password: Secret = ""
) -> Response:
    """With the account's password (throttled like a login: TooMany is a 429 page):
    remove its collections and digest subscription, then empty the account itself
    (accounts/deletion.py). Comments and submissions stay, by "deleted user"."""
    user = _signed_in(current)
    ip = request.client.host if request.client else None
    try:
        community_auth.check_password(web.catalog, web.settings, user, password, ip=ip)
    except community_auth.WrongPassword as error:
        return _delete_page(request, web, current, error=str(error), status=400)
    removed = collections.delete_all_of(web.catalog, user.id)
    subscriptions = Subscriptions(web.catalog, secret_key(web.settings))
    unsubscribed = subscriptions.forget_user(user.id, user.email)
    signals.delete_reader(web.catalog.engine, Reader("user", user.id))
    deletion.anonymise(web.catalog, user)
    log.info(
        "account %s deleted (%d collections, %d subscriptions)", user.id, removed, unsubscribed
    )
    response = TEMPLATES.TemplateResponse(
        request,
        "account/message.html",
        {
            "title": "Your account is deleted",
            "lines": (
                "Your account, its sessions, API tokens, collections and digest "
                "subscription are gone.",
                "Your comments and submissions stay, shown as by “deleted user”.",
            ),
        },
    )
    response.headers["Cache-Control"] = "no-store"
    clear_session_cookie(response)
    return response
