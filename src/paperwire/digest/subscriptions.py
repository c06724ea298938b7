"""Subscribing, confirming, preferences, unsubscribing: the subscriber's side of digests.

Double opt-in: `subscribe` records a pending address and queues a confirmation mail in the
outbox (the sender delivers it); only `confirm` with the mailed single-use token makes an
address eligible for digests. `subscribe` gives the caller nothing that tells whether the
address was known; confirmation mails are rate-limited per address and per client IP,
with every other mail a request can cause (accounts/mail_limits.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from paperwire.accounts import mail_limits
from paperwire.accounts.mail_limits import MailLimits
from paperwire.catalog.store import Catalog
from paperwire.db.engine import write_connection
from paperwire.digest import schema, tokens
from paperwire.digest.for_you import sent_papers
from paperwire.digest.model import (
    Preferences,
    Subscriber,
    email_key,
    normalise_email,
    subscriber_from_row,
)
from paperwire.digest.outbox import cancel_queued
from paperwire.digest.tokens import LinkClaim
from paperwire.recommend import signals
from paperwire.recommend.engine import Recommender
from paperwire.recommend.readers import Reader, RecommendInputError, for_subscriber
from paperwire.signing import token_hash

_subs = schema.subscribers
CONFIRM_TTL = dt.timedelta(days=3)
CONFIRM_MAIL_DEADLINE = dt.timedelta(hours=12)
# Confirmation mails: per address, and per client IP (a bot subscribing strangers); the
# defaults of the PAPERWIRE_MAIL_LIMIT_* settings, which Subscriptions(limits=...) takes.
ADDRESS_LIMIT = mail_limits.DEFAULT_LIMITS.per_address
IP_LIMIT = mail_limits.DEFAULT_LIMITS.per_client

SubscribeOutcome = Literal["queued", "rate_limited", "suppressed"]
ConfirmOutcome = Literal["confirmed", "already_confirmed", "invalid", "expired"]


class RateLimited(Exception):
    """This client IP asked for too many mails (HTTP 429 after `retry_after` seconds)."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    outcome: ConfirmOutcome
    subscriber: Subscriber | None = None


class Subscriptions:
    def __init__(self, catalog: Catalog, key: bytes, limits: MailLimits | None = None) -> None:
        self.catalog = catalog
        self.engine = catalog.engine
        self.clock = catalog.clock
        self.key = key
        self._recommender: Recommender | None = None
        self.limits = limits or mail_limits.DEFAULT_LIMITS

    # -- reading ---------------------------------------------------------------------

    def get(self, subscriber_id: int) -> Subscriber | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(_subs).where(_subs.c.id == subscriber_id)
            ).one_or_none()
        return subscriber_from_row(row._mapping) if row else None

    def by_email(self, email: str) -> Subscriber | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(_subs).where(_subs.c.email_key == email_key(email.strip()))
            ).one_or_none()
        return subscriber_from_row(row._mapping) if row else None

    def find(self, status: str | None = None) -> list[Subscriber]:
        query = sa.select(_subs).order_by(_subs.c.id)
        if status:
            query = query.where(_subs.c.status == status)
        with self.engine.connect() as connection:
            return [subscriber_from_row(row._mapping) for row in connection.execute(query)]

    # -- subscribing -----------------------------------------------------------------

    def subscribe(
        self,
        email: str,
        *,
        ip: str | None = None,
        user_id: int | None = None,
        preferences: Preferences | None = None,
    ) -> SubscribeOutcome:
        """Ask for a digest: queues a confirmation mail unless a limit says no.

        Raises InvalidInput for a malformed address and RateLimited when `ip` asked too
        often; the outcome is for logs and tests only, never for the person asking.
        """
        address = normalise_email(email)
        try:
            return self._subscribe(address, ip, user_id, preferences)
        except sa.exc.IntegrityError:
            # The same new address twice at once (PostgreSQL): the second now finds it.
            return self._subscribe(address, ip, user_id, preferences)

    def _subscribe(
        self,
        address: str,
        ip: str | None,
        user_id: int | None,
        preferences: Preferences | None,
    ) -> SubscribeOutcome:
        now = self.clock.now()
        with write_connection(self.engine) as connection, connection.begin():
            client = mail_limits.client_key(self.key, ip) if ip else None
            try:
                admitted = mail_limits.admit_on(
                    connection, self.limits, now, kind="digest", address=address, client=client
                )
            except mail_limits.MailsRefused as refused:
                raise RateLimited(str(refused), refused.retry_after) from None
            if admitted == "address_limited":
                return "rate_limited"
            row = connection.execute(
                sa.select(_subs).where(_subs.c.email_key == email_key(address))
            ).one_or_none()
            if row is None:
                subscriber_id = self._insert(connection, address, user_id, preferences, now)
            else:
                subscriber = subscriber_from_row(row._mapping)
                if subscriber.status == "suppressed":
                    return "suppressed"  # a hard bounce: only an operator lifts it
                subscriber_id = subscriber.id
                values: dict[str, Any] = {}
                if subscriber.status == "unsubscribed":
                    values.update(status="pending", status_changed_at=now)
                if preferences is not None and subscriber.status != "confirmed":
                    values.update(preferences.as_values())
                if user_id is not None and subscriber.user_id is None:
                    values["user_id"] = user_id
                if values:
                    connection.execute(
                        _subs.update().where(_subs.c.id == subscriber_id).values(**values)
                    )
            self._queue_confirmation(connection, subscriber_id, now)
        return "queued"

    def _insert(
        self,
        connection: sa.Connection,
        address: str,
        user_id: int | None,
        preferences: Preferences | None,
        now: dt.datetime,
        status: str = "pending",
    ) -> int:
        values = (preferences or Preferences()).as_values()
        return int(
            connection.execute(
                _subs.insert()
                .values(
                    email=address,
                    email_key=email_key(address),
                    user_id=user_id,
                    status=status,
                    link_key=tokens.new_link_key(),
                    bounces=0,
                    created_at=now,
                    status_changed_at=now,
                    **values,
                )
                .returning(_subs.c.id)
            ).scalar_one()
        )

    def _queue_confirmation(
        self, connection: sa.Connection, subscriber_id: int, now: dt.datetime
    ) -> None:
        """An outbox row for the mail; the token is derived from its nonce when the mail is
        rendered (tokens.confirmation_token), and only the token's hash is stored."""
        nonce = tokens.new_nonce()
        connection.execute(
            schema.outbox.insert().values(
                kind="confirm",
                subscriber_id=subscriber_id,
                period=f"confirm:{nonce}",
                payload={"nonce": nonce},
                state="pending",
                attempts=0,
                next_attempt_at=now,
                deadline_at=now + CONFIRM_MAIL_DEADLINE,
                created_at=now,
            )
        )
        connection.execute(
            schema.confirmations.insert().values(
                token_hash=token_hash(tokens.confirmation_token(self.key, nonce)),
                subscriber_id=subscriber_id,
                created_at=now,
                expires_at=now + CONFIRM_TTL,
            )
        )

    def confirm(self, token: str) -> ConfirmResult:
        """Use a confirmation token (once): the address starts getting digests."""
        digest = token_hash(token)
        now = self.clock.now()
        table = schema.confirmations
        with write_connection(self.engine) as connection, connection.begin():
            row = connection.execute(
                sa.select(table).where(table.c.token_hash == digest)
            ).one_or_none()
            if row is None:
                return ConfirmResult("invalid")
            subscriber = self._load(connection, int(row.subscriber_id))
            if subscriber is None or subscriber.status in ("unsubscribed", "suppressed"):
                return ConfirmResult("invalid")
            if row.used_at is not None or subscriber.status == "confirmed":
                return ConfirmResult("already_confirmed", subscriber)
            if _utc(row.expires_at) <= now:
                return ConfirmResult("expired")
            connection.execute(
                table.update().where(table.c.token_hash == digest).values(used_at=now)
            )
            next_due = subscriber.preferences.schedule.next_slot(now).at
            connection.execute(
                _subs.update()
                .where(_subs.c.id == subscriber.id)
                .values(
                    status="confirmed",
                    confirmed_at=now,
                    status_changed_at=now,
                    next_due_at=next_due,
                )
            )
            return ConfirmResult("confirmed", self._load(connection, subscriber.id))

    def _load(self, connection: sa.Connection, subscriber_id: int) -> Subscriber | None:
        row = connection.execute(sa.select(_subs).where(_subs.c.id == subscriber_id)).one_or_none()
        return subscriber_from_row(row._mapping) if row else None

    # -- the subscriber's links --------------------------------------------------------

    def from_link(self, token: str, purpose: tokens.Purpose) -> tuple[Subscriber, LinkClaim] | None:
        """The subscriber a signed link belongs to, if the link is genuine and current."""
        claim = tokens.read_unverified(token)
        if claim is None or claim.purpose != purpose:
            return None
        subscriber = self.get(claim.subscriber_id)
        if subscriber is None or not tokens.verify(self.key, token, subscriber.link_key):
            return None
        return subscriber, claim

    def link(self, subscriber: Subscriber, purpose: tokens.Purpose, **extra: Any) -> str:
        claim = LinkClaim(purpose, subscriber.id, **extra)
        return tokens.sign(self.key, claim, subscriber.link_key)

    def update_preferences(self, subscriber_id: int, preferences: Preferences) -> Subscriber:
        """New preferences; a confirmed subscriber's next digest moves to the new schedule."""
        now = self.clock.now()
        with write_connection(self.engine) as connection, connection.begin():
            subscriber = self._load(connection, subscriber_id)
            if subscriber is None:
                raise KeyError(subscriber_id)
            values = preferences.as_values()
            if subscriber.status == "confirmed":
                values["next_due_at"] = preferences.schedule.next_slot(now).at
            connection.execute(_subs.update().where(_subs.c.id == subscriber_id).values(**values))
            updated = self._load(connection, subscriber_id)
        assert updated is not None
        return updated

    def unsubscribe(self, subscriber_id: int, reason: str = "unsubscribed") -> bool:
        """Stop all mail at once: no digest is composed, queued ones are cancelled.
        True if the subscriber was receiving (or about to receive) mail."""
        now = self.clock.now()
        with write_connection(self.engine) as connection, connection.begin():
            changed = connection.execute(
                _subs.update()
                .where(_subs.c.id == subscriber_id, _subs.c.status.in_(("pending", "confirmed")))
                .values(
                    status="unsubscribed",
                    status_changed_at=now,
                    status_reason=reason,
                    next_due_at=None,
                )
            ).rowcount
            cancel_queued(connection, subscriber_id, reason)
        return bool(changed)

    def rate(self, subscriber: Subscriber, digest_id: int, paper_id: str, vote: int) -> bool:
        """Record 👍 (+1) or 👎 (-1) for a paper of one of the subscriber's digests; a later
        click replaces an earlier one. False if the paper was not in that digest."""
        ratings, outbox = schema.ratings, schema.outbox
        now = self.clock.now()
        with write_connection(self.engine) as connection, connection.begin():
            payload = connection.execute(
                sa.select(outbox.c.payload).where(
                    outbox.c.id == digest_id,
                    outbox.c.subscriber_id == subscriber.id,
                    outbox.c.kind == "digest",
                )
            ).scalar_one_or_none()
            papers = {p for part in (payload or {}).get("parts", ()) for p in part["papers"]}
            if paper_id not in papers or vote not in (1, -1):
                return False
            updated = connection.execute(
                ratings.update()
                .where(ratings.c.subscriber_id == subscriber.id, ratings.c.paper_id == paper_id)
                .values(rating=vote, rated_at=now, user_id=subscriber.user_id)
            ).rowcount
            if not updated:
                connection.execute(
                    ratings.insert().values(
                        subscriber_id=subscriber.id,
                        paper_id=paper_id,
                        user_id=subscriber.user_id,
                        rating=vote,
                        rated_at=now,
                    )
                )
        self._recommend_from(subscriber, paper_id, vote)
        return True

    def _recommend_from(self, subscriber: Subscriber, paper_id: str, vote: int) -> None:
        """The rating is a recommendation signal too; the reader's ranking follows at once."""
        reader = for_subscriber(subscriber.id, subscriber.user_id)
        try:
            signals.record(self.engine, self.clock, reader, paper_id, "digest", vote)
        except RecommendInputError:
            return  # the paper left the catalog since the digest was sent
        if self._recommender is None:
            self._recommender = Recommender(self.catalog, exclude=sent_papers(self.engine))
        self._recommender.refresh_reader(reader)

    def ratings(self, subscriber_id: int) -> dict[str, int]:
        ratings = schema.ratings
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(ratings.c.paper_id, ratings.c.rating).where(
                    ratings.c.subscriber_id == subscriber_id
                )
            ).all()
        return {str(row.paper_id): int(row.rating) for row in rows}

    # -- operators -------------------------------------------------------------------

    def add(
        self,
        email: str,
        *,
        confirmed: bool = False,
        preferences: Preferences | None = None,
        user_id: int | None = None,
    ) -> Subscriber:
        """Add (or update) a subscriber without any mail: `confirmed` skips the opt-in
        (and lifts a suppression), otherwise the address waits for `subscribe`'s mail."""
        address = normalise_email(email)
        preferences = preferences or Preferences()
        now = self.clock.now()
        with write_connection(self.engine) as connection, connection.begin():
            existing = connection.execute(
                sa.select(_subs.c.id).where(_subs.c.email_key == email_key(address))
            ).scalar_one_or_none()
            if existing is None:
                subscriber_id = self._insert(connection, address, user_id, preferences, now)
            else:
                subscriber_id = int(existing)
                connection.execute(
                    _subs.update()
                    .where(_subs.c.id == subscriber_id)
                    .values(**preferences.as_values())
                )
            if confirmed:
                connection.execute(
                    _subs.update()
                    .where(_subs.c.id == subscriber_id, _subs.c.status != "confirmed")
                    .values(
                        status="confirmed",
                        confirmed_at=now,
                        status_changed_at=now,
                        status_reason=None,
                        next_due_at=preferences.schedule.next_slot(now).at,
                    )
                )
            subscriber = self._load(connection, subscriber_id)
        assert subscriber is not None
        return subscriber

    def forget_user(self, user_id: int, email: str) -> int:
        """Delete the subscriptions of a deleted account: those linked to it and the one of
        its address (with their outbox rows, sent papers and ratings); returns how many."""
        where = (_subs.c.user_id == user_id) | (_subs.c.email_key == email_key(email))
        with write_connection(self.engine) as connection, connection.begin():
            ids = connection.execute(sa.select(_subs.c.id).where(where)).scalars().all()
            removed = int(connection.execute(_subs.delete().where(where)).rowcount)
        self._forget_readers(ids)
        return removed

    def remove(self, email: str) -> bool:
        """Delete an address and everything about it (its outbox rows, sent papers, ratings)."""
        where = _subs.c.email_key == email_key(email.strip())
        with write_connection(self.engine) as connection, connection.begin():
            ids = connection.execute(sa.select(_subs.c.id).where(where)).scalars().all()
            removed = bool(connection.execute(_subs.delete().where(where)).rowcount)
        self._forget_readers(ids)
        return removed

    def _forget_readers(self, subscriber_ids: Sequence[int]) -> None:
        # What the recommender learnt from these addresses' feedback links goes with them.
        for subscriber_id in subscriber_ids:
            signals.delete_reader(self.engine, Reader("subscriber", int(subscriber_id)))


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
