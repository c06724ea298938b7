"""Login throttling: exponential backoff per (login, client), per client, per login.

Three counters of failed logins, kept in the database so every web process shares them.
"Login" is the name or address as typed (case and surrounding spaces aside), never the
account it resolves to: counters that a username and its email address shared would tell
a stranger that the two belong to one account (fail on one, watch the other slow down).

- pair (login, client IP): after 5 failures each further one doubles the wait (1 s, 2 s,
  4 s ... up to 15 min). This is what slows a guesser down, and it touches nobody else.
- client IP, over all accounts (unknown names included): after 30 failures, 1 s doubling up
  to 1 h. It stops one address from spraying guesses over many accounts.
- login, over all clients: after 100 failures, 1 s doubling up to 1 h. It caps guessing
  spread over many addresses.

An attacker could use the last two to lock a victim out, so a client that logged in to the
account successfully before (within KNOWN_CLIENT_DAYS) is judged by its own pair counter
only. A counter is forgotten FORGET_AFTER its last failure; a successful login clears the
pair counter (not the others: logging in to one's own account must not reset a spray).
Known and unknown login names are keyed alike (a hash of the name), so a refusal looks
the same whether the account exists or not. docs/community.md describes the scheme.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import sqlalchemy as sa

from paperwire.accounts.schema import known_clients, login_throttle
from paperwire.catalog.store import Catalog
from paperwire.db.connections import dialect_insert, now, reading, upsert, writing
from paperwire.db.values import as_utc

FORGET_AFTER = dt.timedelta(hours=24)
KNOWN_CLIENT_DAYS = 90


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    free_failures: int
    base_seconds: float
    max_seconds: float

    def wait(self, failures: int) -> float:
        if failures < self.free_failures:
            return 0.0
        exponent = min(failures - self.free_failures, 32)
        return float(min(self.max_seconds, self.base_seconds * 2**exponent))


PAIR = Limit("pair", 5, 1.0, 15 * 60)
CLIENT = Limit("client", 30, 1.0, 60 * 60)
ACCOUNT = Limit("account", 100, 1.0, 60 * 60)


def login_key(login: str) -> str:
    """The counter name of a login as typed: the same for "Alice" and " alice ", another
    for alice's email address."""
    return "n" + hashlib.sha256(login.strip().lower().encode()).hexdigest()[:40]


@dataclass(frozen=True, slots=True)
class Attempt:
    """Who is trying: the login as typed (`login_key`), the account it names when there is
    one (only for the known-client rule and record_success) and a keyed hash of the
    client's address (signing.mac), never the address itself."""

    account: str
    client: str
    user_id: int | None = None

    @classmethod
    def of(cls, *, user_id: int | None, login: str, client_hash: str) -> Attempt:
        return cls(account=login_key(login), client=client_hash[:64], user_id=user_id)

    def keys(self, known_client: bool) -> dict[str, Limit]:
        keys = {f"pair:{self.account}:{self.client}": PAIR}
        if not known_client:
            keys[f"client:{self.client}"] = CLIENT
            keys[f"account:{self.account}"] = ACCOUNT
        return keys


def is_known_client(catalog: Catalog, attempt: Attempt) -> bool:
    if attempt.user_id is None:
        return False
    since = now(catalog) - dt.timedelta(days=KNOWN_CLIENT_DAYS)
    with reading(catalog) as connection:
        found = connection.execute(
            sa.select(known_clients.c.user_id).where(
                known_clients.c.user_id == attempt.user_id,
                known_clients.c.client_hash == attempt.client,
                known_clients.c.last_success_at >= since,
            )
        ).first()
    return found is not None


def retry_after(catalog: Catalog, attempt: Attempt) -> int:
    """Seconds this attempt must wait (0: it may go ahead)."""
    keys = attempt.keys(is_known_client(catalog, attempt))
    moment = now(catalog)
    with reading(catalog) as connection:
        rows = connection.execute(
            sa.select(login_throttle.c.blocked_until, login_throttle.c.last_failure_at).where(
                login_throttle.c.key.in_(list(keys))
            )
        ).all()
    wait = 0.0
    for row in rows:
        if row.blocked_until is None or moment - as_utc(row.last_failure_at) >= FORGET_AFTER:
            continue
        wait = max(wait, (as_utc(row.blocked_until) - moment).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def record_failure(catalog: Catalog, attempt: Attempt) -> int:
    """Count a failed login on every counter; returns the wait it now imposes (seconds)."""
    known = is_known_client(catalog, attempt)
    moment = now(catalog)
    forgotten = moment - FORGET_AFTER
    wait = 0.0
    with writing(catalog) as connection:
        for key, limit in attempt.keys(known_client=False).items():
            insert = dialect_insert(connection, login_throttle).values(
                key=key, failures=1, last_failure_at=moment, blocked_until=None
            )
            # Increment in the database, so concurrent failures all count.
            counted = insert.on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "failures": sa.case(
                        (login_throttle.c.last_failure_at < forgotten, 1),
                        else_=login_throttle.c.failures + 1,
                    ),
                    "last_failure_at": moment,
                },
            ).returning(login_throttle.c.failures)
            failures = int(connection.execute(counted).scalar_one())
            seconds = limit.wait(failures)
            connection.execute(
                login_throttle.update()
                .where(login_throttle.c.key == key)
                .values(blocked_until=moment + dt.timedelta(seconds=seconds) if seconds else None)
            )
            if key.startswith("pair:") or not known:
                wait = max(wait, seconds)
    return math.ceil(wait)


def record_success(catalog: Catalog, attempt: Attempt) -> None:
    """Clear the pair counter and remember this client as one the account uses."""
    if attempt.user_id is None:
        return
    moment = now(catalog)
    with writing(catalog) as connection:
        connection.execute(
            login_throttle.delete().where(
                login_throttle.c.key == f"pair:{attempt.account}:{attempt.client}"
            )
        )
        connection.execute(
            upsert(
                connection,
                known_clients,
                ["user_id", "client_hash"],
                {
                    "user_id": attempt.user_id,
                    "client_hash": attempt.client,
                    "last_success_at": moment,
                },
            )
        )


def prune(catalog: Catalog) -> int:
    """Delete counters nobody failed on for FORGET_AFTER (for the worker)."""
    with writing(catalog) as connection:
        return int(
            connection.execute(
                login_throttle.delete().where(
                    login_throttle.c.last_failure_at < now(catalog) - FORGET_AFTER
                )
            ).rowcount
        )
