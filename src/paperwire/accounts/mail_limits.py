"""How many mails one address, and one client, may have sent: the one limit for every route
that mails somebody (sign-up, verification resend, password reset, digest subscription).

Each request that could send a mail is an event in mail_rate_events, kept in the database
so every web process counts the same events. Two counters:

- per address and kind of mail (a hash of the address, never the address): at most
  `per_address` in `address_window`. Past it the request is answered as usual and no mail
  goes out: whoever asks learns nothing about the address, and its owner is not flooded.
- per client (a keyed hash of its IP, never the IP), over all kinds: at most `per_client`
  in `client_window`; past it the request is refused (TooMany: 429 with Retry-After).

Both count requests, not mails sent, so they behave alike whether or not an account has
the address: a limit never tells a stranger which addresses are known.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from paperwire.accounts.schema import mail_rate_events
from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.db.connections import now, writing
from paperwire.errors import TooMany
from paperwire.signing import mac

MailKind = Literal["signup", "verify", "reset", "digest"]
Admission = Literal["send", "address_limited"]


@dataclass(frozen=True, slots=True)
class MailLimits:
    per_address: int
    address_window: dt.timedelta
    per_client: int
    client_window: dt.timedelta

    @classmethod
    def of(cls, settings: Settings) -> MailLimits:
        return cls(
            per_address=settings.mail_limit_per_address,
            address_window=dt.timedelta(hours=settings.mail_limit_address_hours),
            per_client=settings.mail_limit_per_client,
            client_window=dt.timedelta(minutes=settings.mail_limit_client_minutes),
        )


DEFAULT_LIMITS = MailLimits.of(Settings())


class MailsRefused(TooMany):
    """This client asked for too many mails lately (HTTP 429, with Retry-After)."""


def address_key(kind: MailKind, address: str) -> str:
    """The counter of one address (lower-cased) for one kind of mail."""
    digest = hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:40]
    return f"{kind}:a:{digest}"


def client_key(key: bytes, ip: str | None) -> str:
    return "c:" + mac(key, "mail-client", ip or "unknown")[:43]


def admit_on(
    connection: sa.Connection,
    limits: MailLimits,
    moment: dt.datetime,
    *,
    kind: MailKind,
    address: str,
    client: str | None,
) -> Admission:
    """Count one request for a mail of `kind` to `address` from `client` (a client_key;
    None: an operator, not limited per client), inside the caller's transaction.
    Raises MailsRefused past the client limit; 'address_limited': answer as usual, send
    nothing."""
    events = mail_rate_events
    by_address = address_key(kind, address)
    if connection.dialect.name == "postgresql":
        # Concurrent requests of one client queue here, so none slips past the count.
        for key in (client, by_address):
            if key:
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))
    if client is not None:
        since = moment - limits.client_window
        oldest, count = connection.execute(
            sa.select(sa.func.min(events.c.at), sa.func.count()).where(
                events.c.key == client, events.c.at > since
            )
        ).one()
        if count >= limits.per_client:
            first = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
            wait = max(1, math.ceil((first + limits.client_window - moment).total_seconds()))
            raise MailsRefused(
                f"too many mails asked for from your network: try again in {wait} seconds",
                wait,
            )
    sent_to_address = connection.execute(
        sa.select(sa.func.count()).where(
            events.c.key == by_address, events.c.at > moment - limits.address_window
        )
    ).scalar_one()
    for key in (by_address, client):
        if key:
            connection.execute(events.insert().values(key=key, at=moment))
    prune_on(connection, limits, moment)
    return "address_limited" if sent_to_address >= limits.per_address else "send"


def admit(
    catalog: Catalog,
    limits: MailLimits,
    *,
    kind: MailKind,
    address: str,
    client: str | None,
) -> Admission:
    """admit_on in a transaction of its own."""
    with writing(catalog) as connection:
        return admit_on(connection, limits, now(catalog), kind=kind, address=address, client=client)


def prune_on(connection: sa.Connection, limits: MailLimits, moment: dt.datetime) -> int:
    """Forget events no limit looks at any more (keeps the table small)."""
    oldest = moment - max(limits.address_window, limits.client_window)
    return int(
        connection.execute(mail_rate_events.delete().where(mail_rate_events.c.at < oldest)).rowcount
    )
