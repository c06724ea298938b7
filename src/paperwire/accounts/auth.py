"""Signing up, verifying an address, logging in and out, resetting a password.

Nothing here tells a stranger whether an address or login name has an account:
- sign-up with a taken address returns as a new one does and mails the owner instead;
- a login for an unknown name costs one password hash too (passwords.dummy_verify) and
  fails with the same message;
- a reset for an unknown address does nothing visible.
The flows say what to mail (accounts/mails.py) and hand it to `send`, which the caller
passes in: mail.accounts.account_sender(settings) delivers it (without SMTP it logs a
warning and returns, so the flows carry on); the web layer passes one that queues the mail
until the response is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from paperwire.accounts import passwords, sessions, throttle, tokens
from paperwire.accounts import users as accounts
from paperwire.accounts.mails import (
    AccountMail,
    account_exists_mail,
    reset_mail,
    verification_mail,
)
from paperwire.accounts.model import User
from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.errors import CommunityError, Forbidden, NotFound, TooMany
from paperwire.signing import mac, secret_key
from paperwire.urls import public_url

Sender = Callable[[AccountMail], None]
# Where mailed links point; the web layer serves these paths (a GET shows a form that POSTs).
VERIFY_PATH = "/account/verify"
RESET_PATH = "/account/reset"
LOGIN_FAILED = "wrong username, email or password"


class LoginFailed(CommunityError):
    """Wrong name or password (one message for both)."""

    status = 401


@dataclass(frozen=True, slots=True)
class Login:
    user: User
    session_id: str


def _link(settings: Settings, path: str, token: str) -> str:
    return public_url(settings, f"{path}?token={quote(token)}")


def sign_up(
    catalog: Catalog,
    settings: Settings,
    *,
    username: str,
    email: str,
    password: str,
    send: Sender,
) -> None:
    """Make an account and mail a verification link. Returns nothing either way: when the
    address is taken, its owner gets a mail instead and no account is made. Raises
    CommunityError (bad name, address or password) or Conflict (username taken)."""
    try:
        user = accounts.create_user(catalog, username=username, email=email, password=password)
    except accounts.EmailTaken:
        owner = accounts.find_by_email(catalog, accounts.normalise_email(email))
        if owner is not None and not owner.disabled:
            link = public_url(settings, RESET_PATH)
            send(account_exists_mail(to=owner.email, username=owner.username, link=link))
        return
    send_verification(catalog, settings, user, send=send)


def send_verification(catalog: Catalog, settings: Settings, user: User, *, send: Sender) -> None:
    """Mail (again) a link that confirms the account's current address."""
    if user.email_verified:
        return
    token = sessions.issue_mail_token(catalog, user, "verify")
    link = _link(settings, VERIFY_PATH, token)
    send(verification_mail(to=user.email, username=user.username, link=link))


def verify_email(catalog: Catalog, token: str) -> User:
    """Confirm an address with a mailed token (single use); NotFound when it is not valid."""
    user = sessions.consume_mail_token(catalog, "verify", token)
    if user is None:
        raise NotFound("this link is not valid (used, expired or mistyped)")
    return accounts.mark_email_verified(catalog, user.id)


def client_key(settings: Settings, ip: str | None) -> str:
    """A keyed hash of the client's address: throttling tells clients apart without keeping
    their addresses."""
    return mac(secret_key(settings), "client", ip or "unknown")[:43]


def log_in(
    catalog: Catalog,
    settings: Settings,
    *,
    login: str,
    password: str,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Login:
    """Check a username-or-email and password, then start a session (a new id every time).
    Raises TooMany (retry_after seconds: answer 429), LoginFailed, or Forbidden when the
    password was right but the account is disabled."""
    login = login.strip()[: accounts.EMAIL_MAX]
    user = _find_login(catalog, login)
    hashed = accounts.password_hash_of(catalog, user.id) if user is not None else None
    attempt = throttle.Attempt.of(
        user_id=user.id if user is not None else None,
        login=login,
        client_hash=client_key(settings, ip),
    )
    wait = throttle.retry_after(catalog, attempt)
    if wait:
        raise TooMany(f"too many failed logins: try again in {wait} seconds", wait)
    if user is None or hashed is None:
        passwords.dummy_verify(password)
        ok = False
    else:
        ok = passwords.verify(hashed, password)
    if not ok:
        wait = throttle.record_failure(catalog, attempt)
        if wait:
            raise TooMany(f"{LOGIN_FAILED}; try again in {wait} seconds", wait)
        raise LoginFailed(LOGIN_FAILED)
    assert user is not None and hashed is not None
    if user.disabled:
        raise Forbidden("this account is disabled")
    throttle.record_success(catalog, attempt)
    if passwords.needs_rehash(hashed):
        accounts.store_password_hash(catalog, user.id, passwords.hash_password(password))
    return Login(user, sessions.create_session(catalog, user, ip=ip, user_agent=user_agent))


def _find_login(catalog: Catalog, login: str) -> User | None:
    if "@" in login:
        return accounts.find_by_email(catalog, login)
    return accounts.find_user(catalog, login) if accounts.USERNAME.fullmatch(login) else None


def log_out(catalog: Catalog, session_id: str | None) -> None:
    sessions.end_session(catalog, session_id)


def current_user(
    catalog: Catalog, *, session_id: str | None = None, authorization: str | None = None
) -> User | None:
    """Who is asking: a bearer token (API clients) or a session cookie (browsers)."""
    token = tokens.bearer_token(authorization)
    if token is not None:
        return tokens.token_user(catalog, token)
    return sessions.session_user(catalog, session_id)


def request_password_reset(
    catalog: Catalog, settings: Settings, email: str, *, send: Sender
) -> None:
    """Mail a reset link when the address has an account; otherwise do nothing visible."""
    try:
        address = accounts.normalise_email(email)
    except CommunityError:
        return
    user = accounts.find_by_email(catalog, address)
    if user is None or user.disabled:
        return
    token = sessions.issue_mail_token(catalog, user, "reset")
    link = _link(settings, RESET_PATH, token)
    send(reset_mail(to=user.email, username=user.username, link=link))


def reset_password(catalog: Catalog, token: str, new_password: str) -> User:
    """Set a new password with a mailed reset token (single use, 1 hour). The password is
    checked before the token is spent; every session of the account ends; the address
    counts as verified (the mail reached it)."""
    user = sessions.peek_mail_token(catalog, "reset", token)
    if user is None:
        raise NotFound("this link is not valid (used, expired or mistyped)")
    passwords.check_strength(new_password, username=user.username, email=user.email)
    if sessions.consume_mail_token(catalog, "reset", token) is None:
        raise NotFound("this link is not valid (used, expired or mistyped)")
    accounts.set_password(catalog, user.id, new_password)
    return accounts.mark_email_verified(catalog, user.id)


def change_password(catalog: Catalog, user: User, current: str, new_password: str) -> User:
    """Change one's own password, knowing the current one. Every session ends, this one
    too: the web layer starts a new one (sessions.create_session) for the person."""
    hashed = accounts.password_hash_of(catalog, user.id)
    if hashed is None or not passwords.verify(hashed, current):
        raise Forbidden("the current password is not right")
    return accounts.set_password(catalog, user.id, new_password)
