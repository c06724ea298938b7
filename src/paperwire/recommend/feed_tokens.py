"""Private feed links for a reader's recommendations: a secret shown once, its hash kept.

A token names a reader and nothing else (no session, no account rights): whoever has the
link reads that reader's feed, until the reader revokes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from paperwire.clock import Clock
from paperwire.db.engine import write_connection
from paperwire.db.values import as_utc, maybe_utc
from paperwire.errors import NotFound
from paperwire.recommend.readers import Reader, RecommendInputError
from paperwire.recommend.schema import reader_feed_tokens
from paperwire.signing import random_token, token_hash

# Prefixed so a leaked token is recognisable (and secret scanners can match it).
PREFIX = "pwf_"
MAX_ACTIVE = 20


@dataclass(frozen=True, slots=True)
class FeedToken:
    id: int
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def create(engine: sa.Engine, clock: Clock, reader: Reader) -> str:
    """A new feed token for the reader; the secret is returned once and never stored."""
    token = PREFIX + random_token()
    t = reader_feed_tokens.c
    with write_connection(engine) as connection, connection.begin():
        active = connection.execute(
            sa.select(sa.func.count()).where(t.reader == reader.key, t.revoked_at.is_(None))
        ).scalar_one()
        if active >= MAX_ACTIVE:
            raise RecommendInputError(f"at most {MAX_ACTIVE} feed links; revoke one first")
        connection.execute(
            reader_feed_tokens.insert().values(
                reader=reader.key,
                token_hash=token_hash(token),
                created_at=clock.now().astimezone(dt.UTC),
                revoked_at=None,
            )
        )
    return token


def revoke(engine: sa.Engine, reader: Reader, token_id: int, clock: Clock | None = None) -> None:
    """Revoke one of the reader's tokens (another reader's token id looks absent)."""
    t = reader_feed_tokens.c
    moment = (clock.now() if clock is not None else dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    with write_connection(engine) as connection, connection.begin():
        found = connection.execute(
            sa.select(t.revoked_at).where(t.id == token_id, t.reader == reader.key)
        ).first()
        if found is None:
            raise NotFound("no such feed link")
        if found.revoked_at is None:
            connection.execute(
                reader_feed_tokens.update().where(t.id == token_id).values(revoked_at=moment)
            )


def list_tokens(engine: sa.Engine, reader: Reader) -> list[FeedToken]:
    t = reader_feed_tokens.c
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(t.id, t.created_at, t.revoked_at).where(t.reader == reader.key).order_by(t.id)
        ).all()
    return [FeedToken(int(r.id), as_utc(r.created_at), maybe_utc(r.revoked_at)) for r in rows]


def reader_for(engine: sa.Engine, token: str) -> Reader | None:
    """The reader a token belongs to; None for an unknown or revoked token."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    t = reader_feed_tokens.c
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(t.reader).where(t.token_hash == token_hash(token), t.revoked_at.is_(None))
        ).first()
    return Reader.parse(row.reader) if row is not None else None
