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

from paperwire.accounts import mail_limits, passwords, sessions, throttle, tokens
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
    ip: str | None = None,
) -> None:
    """Make an account and mail a verification link. Returns nothing either way: when the
    address is taken, its owner gets a mail instead and no account is made. Raises
    CommunityError (bad name, address or password), Conflict (username taken) or TooMany
    (this client asked for too many mails: mail_limits); past the address's limit nothing
    is mailed and the answer is the same."""
    if not mail_allowed(catalog, settings, "signup", email, ip):
        send = _send_nothing
    try:
        user = accounts.create_user(catalog, username=username, email=email, password=password)
    except accounts.EmailTaken:
        owner = accounts.find_by_email(catalog, accounts.normalise_email(email))
        if owner is not None and not owner.disabled:
            link = public_url(settings, RESET_PATH)
            send(account_exists_mail(to=owner.email, username=owner.username, link=link))
        return
    _mail_verification(catalog, settings, user, send=send)


def _send_nothing(message: AccountMail) -> None:
    """The sender past an address's mail limit: the flow runs as usual, nothing goes out."""


def mail_allowed(
    catalog: Catalog, settings: Settings, kind: mail_limits.MailKind, email: str, ip: str | None
) -> bool:
    """Count a request for a mail of `kind` to `email` from `ip`: False past the address's
    limit (send nothing, answer as usual); raises MailsRefused (a TooMany: 429) past the
    client's. It counts whether or not an account has the address."""
    client = mail_limits.client_key(secret_key(settings), ip)
    admitted = mail_limits.admit(
        catalog, mail_limits.MailLimits.of(settings), kind=kind, address=email, client=client
    )
    return admitted == "send"


def send_verification(
    catalog: Catalog, settings: Settings, user: User, *, send: Sender, ip: str | None = None
) -> None:
    """Mail (again) a link that confirms the account's current address (within the mail
    limits: TooMany past the client's)."""
    if user.email_verified:
        return
    if mail_allowed(catalog, settings, "verify", user.email, ip):
        _mail_verification(catalog, settings, user, send=send)


def resend_admitted_verification(
    catalog: Catalog, settings: Settings, user: User, *, send: Sender
) -> None:
    """Mail the confirmation link again, the request already counted with mail_allowed (the
    web layer counts it before its answer, alike for every address, and mails after it)."""
    _mail_verification(catalog, settings, user, send=send)


def _mail_verification(catalog: Catalog, settings: Settings, user: User, *, send: Sender) -> None:
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
    Raises TooMany (retry_after seconds: answer 429) or LoginFailed. A disabled account,
    and one whose address was never confirmed, fail exactly as a wrong password does (same
    message, status, cost and count): otherwise the answer would tell a stranger that the
    password was right, or that a sign-up made an account (the address was free) where
    another made none (it was taken). The mailed link, or a password reset, confirms the
    address and opens the login."""
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
        # The hash is checked whatever the account's state: every refusal costs the same.
        ok = passwords.verify(hashed, password) and not user.disabled and user.email_verified
    if not ok:
        wait = throttle.record_failure(catalog, attempt)
        if wait:
            raise TooMany(f"{LOGIN_FAILED}; try again in {wait} seconds", wait)
        raise LoginFailed(LOGIN_FAILED)
    assert user is not None and hashed is not None
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
    catalog: Catalog,
    settings: Settings,
    email: str,
    *,
    send: Sender,
    ip: str | None = None,
    admitted: bool = False,
) -> None:
    """Mail a reset link when the address has an account; otherwise do nothing visible.
    Counted against the mail limits unless `admitted` (the caller has counted it with
    mail_allowed already: the web layer does, before its answer; this runs after it)."""
    try:
        address = accounts.normalise_email(email)
    except CommunityError:
        return
    if not admitted and not mail_allowed(catalog, settings, "reset", address, ip):
        return
    user = accounts.find_by_email(catalog, address)
    if user is None or user.disabled:
        return
    token = sessions.issue_mail_token(catalog, user, "reset")
    link = _link(settings, RESET_PATH, token)
    send(reset_mail(to=user.email, username=user.username, link=link))


def reset_password(catalog: Catalog, token: str, new_password: str) -> User:
    """Set a new password with a mailed reset token (single use, 1 hour). The password is
    checked before the token is spent; every session, API token and other reset link of
    the account ends (users.set_password); the address counts as verified (the mail
    reached it)."""
    user = sessions.peek_mail_token(catalog, "reset", token)
    if user is None:
        raise NotFound("this link is not valid (used, expired or mistyped)")
    passwords.check_strength(new_password, username=user.username, email=user.email)
    if sessions.consume_mail_token(catalog, "reset", token) is None:
        raise NotFound("this link is not valid (used, expired or mistyped)")
    accounts.set_password(catalog, user.id, new_password)
    return accounts.mark_email_verified(catalog, user.id)


class WrongPassword(CommunityError):
    """The password given to confirm an action (not a login) is not the account's."""

    status = 400


def check_password(
    catalog: Catalog, settings: Settings, user: User, password: str, *, ip: str | None
) -> None:
    """Confirm a signed-in person's password (a password change, a new API token, deleting
    the account) through the login throttle: a wrong one counts as a failed login of the
    account from this client, and a throttled client gets TooMany (429, retry_after)
    before any hash is checked. Raises WrongPassword."""
    attempt = throttle.Attempt.of(
        user_id=user.id, login=user.username, client_hash=client_key(settings, ip)
    )
    wait = throttle.retry_after(catalog, attempt)
    if wait:
        raise TooMany(f"too many wrong passwords: try again in {wait} seconds", wait)
    hashed = accounts.password_hash_of(catalog, user.id)
    if hashed is None:
        passwords.dummy_verify(password)
        ok = False
    else:
        ok = passwords.verify(hashed, password)
    if not ok:
        wait = throttle.record_failure(catalog, attempt)
        if wait:
            raise TooMany(f"the password is not right; try again in {wait} seconds", wait)
        raise WrongPassword("the password is not right")


def change_password(
    catalog: Catalog,
    settings: Settings,
    user: User,
    current: str,
    new_password: str,
    *,
    ip: str | None = None,
) -> User:
    """Change one's own password, knowing the current one (check_password: throttled like
    a login). Every session ends, this one too, with every API token and reset link: the
    web layer starts a new session (sessions.create_session) for the person."""
    check_password(catalog, settings, user, current, ip=ip)
    return accounts.set_password(catalog, user.id, new_password)


def make_api_token(
    catalog: Catalog,
    settings: Settings,
    user: User,
    *,
    name: str,
    password: str,
    ip: str | None,
    from_session: bool,
) -> tuple[str, tokens.ApiToken]:
    """A new API token: only from a browser session (a token cannot mint tokens, so a
    leaked one cannot outlive its revocation), with the account's password."""
    if not from_session:
        raise Forbidden(
            "API tokens are made from a logged-in browser session (the settings page), "
            "not with another token"
        )
    check_password(catalog, settings, user, password, ip=ip)
    return tokens.create_token(catalog, user, name)
