"""API tokens for `Authorization: Bearer pw_...`.

A token is shown once, when made; the table keeps its SHA-256 (a token has 256 random bits,
so a fast hash is enough and a lookup is one indexed read) and its first characters, so a
list can tell tokens apart. Revoked tokens, and every token of a disabled account, stop
working.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from paperwire.accounts.model import User, user_from_row
from paperwire.accounts.schema import api_tokens, users
from paperwire.catalog.store import Catalog
from paperwire.db.connections import now, reading, writing
from paperwire.db.values import as_utc, maybe_utc
from paperwire.errors import CommunityError, NotFound, TooMany
from paperwire.signing import random_token, token_hash

PREFIX = "pw_"
SHOWN_CHARS = 8  # "pw_" and 5 characters of the token, in lists
MAX_TOKENS = 50
NAME_MAX = 100
# last_used_at is written at most this often.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, if it is one."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX):
        return None
    return value


def create_token(catalog: Catalog, user: User, name: str = "") -> tuple[str, ApiToken]:
    """A new token for `user`: (the token, shown only now; what lists show of it)."""
    name = " ".join(name.split())[:NAME_MAX] or "token"
    if user.disabled:
        raise CommunityError("a disabled account cannot have tokens")
    if len(list_tokens(catalog, user)) >= MAX_TOKENS:
        raise TooMany(f"an account may have at most {MAX_TOKENS} tokens; revoke one first")
    token = PREFIX + random_token()
    moment = now(catalog)
    with writing(catalog) as connection:
        token_id = connection.execute(
            api_tokens.insert()
            .values(
                user_id=user.id,
                name=name,
                token_hash=token_hash(token),
                prefix=token[:SHOWN_CHARS],
                created_at=moment,
                last_used_at=None,
                revoked_at=None,
            )
            .returning(api_tokens.c.id)
        ).scalar_one()
    return token, ApiToken(int(token_id), name, token[:SHOWN_CHARS], moment, None, False)


def list_tokens(catalog: Catalog, user: User) -> list[ApiToken]:
    """The account's live tokens, newest first."""
    with reading(catalog) as connection:
        rows = connection.execute(
            sa.select(api_tokens)
            .where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
            .order_by(api_tokens.c.id.desc())
        ).all()
    return [
        ApiToken(
            id=int(row.id),
            name=row.name,
            prefix=row.prefix,
            created_at=as_utc(row.created_at),
            last_used_at=maybe_utc(row.last_used_at),
            revoked=False,
        )
        for row in rows
    ]


def revoke_token(catalog: Catalog, user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens (NotFound for anybody else's)."""
    with writing(catalog) as connection:
        changed = connection.execute(
            api_tokens.update()
            .where(
                api_tokens.c.id == token_id,
                api_tokens.c.user_id == user.id,
                api_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=now(catalog))
        ).rowcount
    if not changed:
        raise NotFound("no such token")


def token_user(catalog: Catalog, token: str | None) -> User | None:
    """The user a bearer token belongs to, or None (unknown, revoked, account disabled)."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    hashed = token_hash(token)
    with reading(catalog) as connection:
        row = connection.execute(
            sa.select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(
                api_tokens.c.token_hash == hashed,
                api_tokens.c.revoked_at.is_(None),
                users.c.disabled_at.is_(None),
            )
        ).first()
    if row is None:
        return None
    moment = now(catalog)
    last_used = maybe_utc(row.last_used_at)
    if last_used is None or moment - last_used >= LAST_USED_RESOLUTION:
        with writing(catalog) as connection:
            connection.execute(
                api_tokens.update()
                .where(api_tokens.c.id == row.token_id)
                .values(last_used_at=moment)
            )
    return user_from_row(row)
