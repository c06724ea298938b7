"""Helpers the web layer needs to stay safe: CSRF tokens, `next=` targets, role checks.

CSRF tokens are bound to the session: HMAC(secret key, hash of the session id, nonce). The
random nonce makes every rendered token different (no fixed secret in compressed pages,
BREACH), and a token minted for one session is refused for every other. For forms shown
before login (sign-up, login) the web layer binds tokens to a random pre-session cookie.
"""

from __future__ import annotations

import hmac
import re
import secrets
from urllib.parse import unquote

from paperwire.accounts.model import ROLE_RANK, Role, User
from paperwire.config import Settings
from paperwire.errors import Forbidden
from paperwire.signing import mac, secret_key, token_hash

_NONCE_BYTES = 12
_NEXT_MAX = 2000
# Characters browsers drop or treat specially inside a URL (tabs and newlines are stripped
# by the URL parser, so "/\t/evil.com" becomes "//evil.com"), and backslashes (read as "/").
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def csrf_token(settings: Settings, session_id: str) -> str:
    """A fresh token for a form of this session."""
    nonce = secrets.token_urlsafe(_NONCE_BYTES)
    return f"{nonce}.{mac(secret_key(settings), 'csrf', token_hash(session_id), nonce)}"


def csrf_valid(settings: Settings, session_id: str | None, token: str | None) -> bool:
    """Whether `token` was made by csrf_token for this session id."""
    if not session_id or not token or len(token) > 200:
        return False
    nonce, _, given = token.partition(".")
    if not nonce or not given:
        return False
    expected = mac(secret_key(settings), "csrf", token_hash(session_id), nonce)
    return hmac.compare_digest(given.encode(), expected.encode())


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site ("/papers/x?y#z"), else `default`.

    Refused: absolute URLs and schemes (https:, javascript:), protocol-relative "//host"
    and "/\\host" (browsers read a backslash as a slash), control characters and spaces
    (CR/LF header injection, stripped tabs), and any of these hidden behind percent-encoding.
    """
    if not target or len(target) > _NEXT_MAX or " " in target:
        return default
    candidate = target
    for _ in range(4):  # percent-encoding nested a few levels deep still counts
        if not _plain_local_path(candidate):
            return default
        decoded = unquote(candidate)
        if decoded == candidate:
            return target
        candidate = decoded
    return default  # nested deeper than any honest link is


def _plain_local_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//"):
        return False
    if _UNSAFE_IN_NEXT.search(path):
        return False
    # A scheme can only come before the first "/": a path starting with "/" has none, but
    # refuse "/:" forms some parsers treat oddly.
    return not path.startswith("/:")


def has_role(user: User | None, role: Role) -> bool:
    return user is not None and not user.disabled and ROLE_RANK[user.role] >= ROLE_RANK[role]


def require_role(user: User | None, role: Role = "user") -> User:
    """The user, when signed in (and not disabled) with at least `role`; else Forbidden."""
    if user is None:
        raise Forbidden("log in first")
    if not has_role(user, role):
        raise Forbidden(f"this needs the {role} role")
    return user


def require_verified(user: User | None) -> User:
    """A signed-in user whose email address is confirmed (to submit and comment)."""
    checked = require_role(user)
    if not checked.email_verified:
        raise Forbidden("confirm your email address first (see the mail we sent)")
    return checked
