"""Account pages: sign up, confirm the address, log in and out, reset a password (a
person's profile and own settings: account_settings.py; sessions and deletion:
account_security.py).

Thin over community/auth.py and friends: parse the form, call the library, render.
- Nothing changes on GET. Mailed links (/account/verify, /account/reset) open a page whose
  button POSTs: mail scanners follow links, only people press buttons.
- Every form carries a CSRF token (middleware/csrf.py checks it); pages for anonymous visitors bind
  it to the pre-session cookie, which also keeps them out of the response cache.
- No page tells a stranger whether an account exists: sign-up and reset requests answer
  the same whatever the address, and their mail goes out after the response is sent, so
  they also take the same time (login costs one password hash either way: community/auth).
- The client address for login throttling is `request.client.host`: the TCP peer, which
  uvicorn rewrites from X-Forwarded-For only when the peer is in FORWARDED_ALLOW_IPS (its
  default: 127.0.0.1 and ::1, a reverse proxy on the same machine). paperwire has no setting
  of its own to trust forwarded headers (docs/community.md, "Routes and roles").
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import BackgroundTasks, Form, Query, Request
from fastapi.responses import Response

from paperwire.accounts import auth as community_auth
from paperwire.accounts import passwords, sessions
from paperwire.accounts import users as accounts
from paperwire.accounts.mails import AccountMail
from paperwire.accounts.model import User
from paperwire.accounts.security import safe_next
from paperwire.errors import CommunityError, Conflict, NotFound, TooMany
from paperwire.mail.accounts import MailError, account_sender
from paperwire.web.auth import (
    SESSION_COOKIE,
    CurrentViewer,
    clear_session_cookie,
    set_session_cookie,
)
from paperwire.web.context import WebContext
from paperwire.web.errors import retry_after
from paperwire.web.pages.account_kit import (
    Context,
    FormText,
    Secret,
    client_ip,
    message,
    page,
    see_other,
    signed_in,
    start_session,
)

log = logging.getLogger(__name__)


def _mail_later(web: WebContext, background: BackgroundTasks) -> community_auth.Sender:
    """Mail after the response is sent: the answer takes as long whether a mail goes out
    or not (no timing tells which addresses have accounts), and slow SMTP holds no page."""

    def queue(message: AccountMail) -> None:
        background.add_task(_send_now, web, message)

    return queue


def _send_now(web: WebContext, message: AccountMail) -> None:
    try:
        account_sender(web.settings)(message)  # without SMTP: a warning, nothing sent
    except MailError as error:
        log.error("%s", error)


def _request_reset(web: WebContext, email: str) -> None:
    community_auth.request_password_reset(
        web.catalog,
        web.settings,
        email,
        send=lambda message: _send_now(web, message),
        admitted=True,  # counted by reset() before it answered
    )


# -- signing up and confirming the address ------------------------------------------------


def _mail_context(web: WebContext) -> dict[str, Any]:
    """Whether this site can send mail at all (no SMTP host: sign-up and reset links never
    arrive, and the pages say so instead of promising them)."""
    return {"mail_configured": bool(web.settings.smtp_host)}


def signup_form(request: Request, web: Context, current: CurrentViewer) -> Response:
    if current.signed_in:
        return see_other("/")
    context = {"title": "Sign up", "form": {}, "errors": {}, **_mail_context(web)}
    return page(request, web, "signup.html", context)


def _check_inbox(request: Request, web: WebContext) -> Response:
    """After a sign-up or a resend: the same page whether or not the address has (or got)
    an account, with a button that mails the confirmation link again. The address is not
    echoed: the page is byte for byte the same for every address."""
    context = {"title": "Check your inbox", "email": "", **_mail_context(web)}
    return page(request, web, "check_inbox.html", context)


def sign_up(
    request: Request,
    web: Context,
    background: BackgroundTasks,
    username: FormText = "",
    email: FormText = "",
    password: Secret = "",
) -> Response:
    username, email = username.strip(), email.strip()
    errors = _signup_errors(username, email, password)
    if not errors:
        try:
            community_auth.sign_up(
                web.catalog,
                web.settings,
                username=username,
                email=email,
                password=password,
                send=_mail_later(web, background),
                ip=client_ip(request),
            )
        except TooMany:
            raise  # too many mails from this client: the error page, 429 with Retry-After
        except passwords.WeakPassword as error:
            errors["password"] = str(error)
        except Conflict as error:  # the username (a taken address is never told)
            errors["username"] = str(error)
        except CommunityError as error:
            errors["email"] = str(error)
    if errors:
        form = {"username": username, "email": email}
        context = {"title": "Sign up", "form": form, "errors": errors, **_mail_context(web)}
        return page(request, web, "signup.html", context, status=400)
    return _check_inbox(request, web)


def _signup_errors(username: str, email: str, password: str) -> dict[str, str]:
    """Every field's problem at once, so the form says all it needs to."""
    errors: dict[str, str] = {}
    for name, check in (
        ("username", lambda: accounts.validate_username(username)),
        ("email", lambda: accounts.normalise_email(email)),
        ("password", lambda: passwords.check_strength(password, username=username, email=email)),
    ):
        try:
            check()
        except CommunityError as error:
            errors[name] = str(error)
    return errors


def verify_form(
    request: Request, web: Context, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    context = {"title": "Confirm your address", "token": token}
    return page(request, web, "verify.html", context, status=200 if token else 400)


def verify(
    request: Request, web: Context, current: CurrentViewer, token: FormText = ""
) -> Response:
    """Confirm the address and log this browser in: the mailed link is what proves the
    address (as a reset link does), so a sign-up ends logged in without a login form that
    would tell a taken address from a free one (docs/community.md)."""
    try:
        user = community_auth.verify_email(web.catalog, token)
    except NotFound as error:
        return message(request, web, "Not confirmed", str(error), status=404)
    if user.disabled:
        return message(request, web, "Address confirmed", f"Thanks, {user.username}.")
    if current.signed_in and current.user is not None and current.user.id == user.id:
        return see_other("/settings?done=verified")
    return start_session(request, web, user, "/settings?done=verified")


def resend_verification(
    request: Request,
    web: Context,
    current: CurrentViewer,
    background: BackgroundTasks,
    email: FormText = "",
) -> Response:
    """Mail the confirmation link again. Signed in: to the account's address. Otherwise (the
    page after sign-up) to the address typed, counted against the mail limits before the
    answer, which is the same whether or not an unconfirmed account has the address."""
    if current.signed_in:
        community_auth.send_verification(  # TooMany past the mail limit: 429, Retry-After
            web.catalog,
            web.settings,
            signed_in(current),
            send=_mail_later(web, background),
            ip=client_ip(request),
        )
        return see_other("/settings?done=verification")
    address = email.strip()
    if community_auth.mail_allowed(
        web.catalog, web.settings, "verify", address, client_ip(request)
    ):
        background.add_task(_resend_to_address, web, address)
    return _check_inbox(request, web)


def _resend_to_address(web: WebContext, email: str) -> None:
    """After the answer: the lookup takes time only when the address has an account."""
    try:
        user = accounts.find_by_email(web.catalog, accounts.normalise_email(email))
    except CommunityError:
        return
    if user is None or user.disabled or user.email_verified:
        return
    community_auth.resend_admitted_verification(
        web.catalog, web.settings, user, send=lambda message: _send_now(web, message)
    )


# -- logging in and out ----------------------------------------------------------------


def login_form(
    request: Request,
    web: Context,
    current: CurrentViewer,
    next: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    if current.signed_in:
        return see_other(safe_next(next))
    return _login_page(request, web, login="", next_url=next)


def _login_page(
    request: Request,
    web: WebContext,
    *,
    login: str,
    next_url: str,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {"title": "Log in", "login": login, "next": safe_next(next_url), "error": error}
    return page(request, web, "login.html", context, status, headers)


def log_in(
    request: Request,
    web: Context,
    login: FormText = "",
    password: Secret = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        done = community_auth.log_in(
            web.catalog,
            web.settings,
            login=login,
            password=password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except CommunityError as error:
        return _login_page(
            request,
            web,
            login=login,
            next_url=next,
            error=str(error),
            status=error.status,
            headers=retry_after(error),
        )
    # Whoever this browser was logged in as before is logged out.
    community_auth.log_out(web.catalog, request.cookies.get(SESSION_COOKIE))
    response = see_other(safe_next(next))
    set_session_cookie(request, response, done.session_id)
    return response


def log_out(web: Context, current: CurrentViewer) -> Response:
    community_auth.log_out(web.catalog, current.session_id)
    response = see_other("/")
    clear_session_cookie(response)
    return response


# -- password reset --------------------------------------------------------------------


def reset_form(
    request: Request, web: Context, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    if not token:
        context = {"title": "Reset your password", "errors": {}, **_mail_context(web)}
        return page(request, web, "reset_request.html", context)
    user = sessions.peek_mail_token(web.catalog, "reset", token)  # only looks: GET spends nothing
    if user is None:
        return _reset_link_invalid(request, web)
    return _new_password_page(request, web, user, token, error=None)


def _reset_link_invalid(request: Request, web: WebContext) -> Response:
    context = {"title": "Link not valid"}
    return page(request, web, "reset_invalid.html", context, status=404, forms=False)


def _new_password_page(
    request: Request, web: WebContext, user: User, token: str, *, error: str | None
) -> Response:
    context = {"title": "Choose a new password", "user": user, "token": token, "error": error}
    return page(request, web, "reset_password.html", context, status=400 if error else 200)


def reset(
    request: Request,
    web: Context,
    background: BackgroundTasks,
    email: FormText = "",
    token: FormText = "",
    password: Secret = "",
) -> Response:
    """Without a token: mail a reset link (the answer is the same for any address). With
    the mailed token: set the new password, end every session, and log this browser in."""
    if not token:
        # Counted against the mail limits now (alike for every address; TooMany past the
        # client's: 429), the rest after the response: looking the address up and making a
        # token take time only when it has an account.
        address = email.strip()
        if community_auth.mail_allowed(
            web.catalog, web.settings, "reset", address, client_ip(request)
        ):
            background.add_task(_request_reset, web, address)
        return message(
            request,
            web,
            "Check your inbox",
            "If an account has this address, a link to choose a new password is on its way.",
            "It works once, for an hour.",
        )
    try:
        user = community_auth.reset_password(web.catalog, token, password)
    except NotFound:
        return _reset_link_invalid(request, web)
    except CommunityError as error:
        found = sessions.peek_mail_token(web.catalog, "reset", token)
        if found is None:
            return _reset_link_invalid(request, web)
        return _new_password_page(request, web, found, token, error=str(error))
    return start_session(request, web, user, "/settings?done=reset")
