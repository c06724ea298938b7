"""Server-side login sessions, and the single-use tokens mailed for verification and resets.

A session id is 256 random bits handed to the browser once (the web layer puts it in an
HttpOnly, Secure, SameSite cookie); the table keeps only its SHA-256, so a leaked database
cannot be replayed as cookies. A new id is made at every login (no fixation), logout revokes
it, it expires SESSION_DAYS after login, and a disabled account's sessions stop working.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from paperwire.accounts.model import User, user_from_row
from paperwire.accounts.schema import mail_tokens, user_sessions, users
from paperwire.catalog.store import Catalog
from paperwire.db.connections import now, reading, writing
from paperwire.db.values import as_utc
from paperwire.signing import random_token, token_hash

SESSION_DAYS = 30
# last_seen_at is written at most this often, so browsing does not write on every request.
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=5)
MailPurpose = Literal["verify", "reset"]
MAIL_TOKEN_LIFETIME: dict[str, dt.timedelta] = {
    "verify": dt.timedelta(days=3),
    "reset": dt.timedelta(hours=1),
}


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A session as its owner may list it (never the id itself)."""

    id_hash: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    ip: str | None
    user_agent: str | None

    @property
    def ref(self) -> str:
        """What a form names the session by: the start of its hash (not the id, which is
        never kept; not the whole hash either, which need not travel)."""
        return self.id_hash[:REF_CHARS]

    @property
    def device(self) -> str:
        return device_of(self.user_agent)


REF_CHARS = 32
# (pattern, name), the first that matches wins: Edge and Opera also say "Chrome", Chrome
# also says "Safari", so the specific ones come first.
_BROWSERS = (
    (r"Edg(?:e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
    (r"curl/", "curl"),
    (r"python-httpx|python-requests|aiohttp", "a Python program"),
)
_SYSTEMS = (
    (r"Android", "Android"),
    (r"iPhone|iPad|iOS", "iOS"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
)


def device_of(user_agent: str | None) -> str:
    """A short name for a User-Agent ("Firefox on Linux"), for the sessions page; the full
    string would be long and tell a person less."""
    if not user_agent:
        return "unknown device"
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or user_agent[:40]


def create_session(
    catalog: Catalog, user: User, *, ip: str | None = None, user_agent: str | None = None
) -> str:
    """Start a session for `user`; returns the new session id (shown once, to set a cookie)."""
    session_id = random_token()
    moment = now(catalog)
    with writing(catalog) as connection:
        connection.execute(
            user_sessions.insert().values(
                id_hash=token_hash(session_id),
                user_id=user.id,
                created_at=moment,
                last_seen_at=moment,
                expires_at=moment + dt.timedelta(days=SESSION_DAYS),
                revoked_at=None,
                ip=ip[:64] if ip else None,
                user_agent=user_agent[:300] if user_agent else None,
            )
        )
    return session_id


def session_user(catalog: Catalog, session_id: str | None) -> User | None:
    """The user a session id belongs to, or None (unknown, revoked, expired, disabled)."""
    if not session_id or len(session_id) > 200:
        return None
    hashed = token_hash(session_id)
    moment = now(catalog)
    with reading(catalog) as connection:
        row = connection.execute(
            sa.select(users, user_sessions.c.last_seen_at)
            .join(user_sessions, user_sessions.c.user_id == users.c.id)
            .where(
                user_sessions.c.id_hash == hashed,
                user_sessions.c.revoked_at.is_(None),
                user_sessions.c.expires_at > moment,
                users.c.disabled_at.is_(None),
            )
        ).first()
    if row is None:
        return None
    if moment - as_utc(row.last_seen_at) >= LAST_SEEN_RESOLUTION:
        with writing(catalog) as connection:
            connection.execute(
                user_sessions.update()
                .where(user_sessions.c.id_hash == hashed)
                .values(last_seen_at=moment)
            )
    return user_from_row(row)


def end_session(catalog: Catalog, session_id: str | None) -> None:
    """Log out: the id stops working at once (also when it was already unknown)."""
    if not session_id:
        return
    with writing(catalog) as connection:
        connection.execute(
            user_sessions.update()
            .where(
                user_sessions.c.id_hash == token_hash(session_id),
                user_sessions.c.revoked_at.is_(None),
            )
            .values(revoked_at=now(catalog))
        )


def revoke_session(catalog: Catalog, user: User, ref: str) -> bool:
    """End one of the user's own live sessions, named by its SessionInfo.ref; False when
    no live session of theirs has it (anybody else's included)."""
    if len(ref) != REF_CHARS or not all(ch in "0123456789abcdef" for ch in ref):
        return False
    with writing(catalog) as connection:
        changed = connection.execute(
            user_sessions.update()
            .where(
                user_sessions.c.user_id == user.id,
                user_sessions.c.id_hash.startswith(ref, autoescape=True),
                user_sessions.c.revoked_at.is_(None),
            )
            .values(revoked_at=now(catalog))
        ).rowcount
    return bool(changed)


def list_sessions(catalog: Catalog, user: User) -> list[SessionInfo]:
    """The account's live sessions, most recently seen first."""
    with reading(catalog) as connection:
        rows = connection.execute(
            sa.select(user_sessions)
            .where(
                user_sessions.c.user_id == user.id,
                user_sessions.c.revoked_at.is_(None),
                user_sessions.c.expires_at > now(catalog),
            )
            .order_by(user_sessions.c.last_seen_at.desc())
        ).all()
    return [
        SessionInfo(
            id_hash=row.id_hash,
            created_at=as_utc(row.created_at),
            last_seen_at=as_utc(row.last_seen_at),
            expires_at=as_utc(row.expires_at),
            ip=row.ip,
            user_agent=row.user_agent,
        )
        for row in rows
    ]


def issue_mail_token(catalog: Catalog, user: User, purpose: MailPurpose) -> str:
    """A single-use token for a mailed link (verify: 3 days, reset: 1 hour)."""
    token = random_token()
    moment = now(catalog)
    with writing(catalog) as connection:
        connection.execute(
            mail_tokens.insert().values(
                token_hash=token_hash(token),
                user_id=user.id,
                purpose=purpose,
                email=user.email,
                created_at=moment,
                expires_at=moment + MAIL_TOKEN_LIFETIME[purpose],
                used_at=None,
            )
        )
    return token


def peek_mail_token(catalog: Catalog, purpose: MailPurpose, token: str) -> User | None:
    """Who a still-valid token is for, without spending it (consume_mail_token spends)."""
    if not token or len(token) > 200:
        return None
    with reading(catalog) as connection:
        row = connection.execute(
            sa.select(users)
            .join(mail_tokens, mail_tokens.c.user_id == users.c.id)
            .where(
                mail_tokens.c.token_hash == token_hash(token),
                mail_tokens.c.purpose == purpose,
                mail_tokens.c.used_at.is_(None),
                mail_tokens.c.expires_at > now(catalog),
                mail_tokens.c.email == users.c.email,
                users.c.disabled_at.is_(None),
            )
        ).first()
    return user_from_row(row) if row is not None else None


def consume_mail_token(catalog: Catalog, purpose: MailPurpose, token: str) -> User | None:
    """The user a token was issued to, marking it used; None when it is unknown, used,
    expired, for another purpose, or for an address the account no longer has. Two
    concurrent uses of one token: exactly one succeeds (a conditional UPDATE)."""
    if not token or len(token) > 200:
        return None
    hashed = token_hash(token)
    moment = now(catalog)
    with writing(catalog) as connection:
        claimed = connection.execute(
            mail_tokens.update()
            .where(
                mail_tokens.c.token_hash == hashed,
                mail_tokens.c.purpose == purpose,
                mail_tokens.c.used_at.is_(None),
                mail_tokens.c.expires_at > moment,
            )
            .values(used_at=moment)
            .returning(mail_tokens.c.user_id, mail_tokens.c.email)
        ).first()
        if claimed is None:
            return None
        row = connection.execute(sa.select(users).where(users.c.id == claimed.user_id)).first()
    if row is None or row.email != claimed.email or row.disabled_at is not None:
        return None
    return user_from_row(row)


def prune_expired(catalog: Catalog, *, keep: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Delete sessions and mail tokens that ended more than `keep` ago (for the worker)."""
    cutoff = now(catalog) - keep
    with writing(catalog) as connection:
        removed = connection.execute(
            user_sessions.delete().where(
                (user_sessions.c.expires_at < cutoff) | (user_sessions.c.revoked_at < cutoff)
            )
        ).rowcount
        removed += connection.execute(
            mail_tokens.delete().where(mail_tokens.c.expires_at < cutoff)
        ).rowcount
    return int(removed)
