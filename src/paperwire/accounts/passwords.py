"""Password rules and hashing (argon2id).

Parameters are OWASP's first argon2id choice (19 MiB, 2 passes, 1 lane): about 35 ms per
hash on one core, so a login costs little and a stolen hash costs an attacker as much.
When the parameters change, a successful login re-hashes (`needs_rehash`).
"""

from __future__ import annotations

import functools
from importlib import resources

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from paperwire.errors import CommunityError

MIN_LENGTH = 8
MAX_LENGTH = 256
TIME_COST, MEMORY_KIB, PARALLELISM = 2, 19 * 1024, 1
HASHER = argon2.PasswordHasher(
    time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM, type=argon2.Type.ID
)


class WeakPassword(CommunityError):
    """The password breaks a rule; the message says which."""


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (data/NOTICE.md says where it comes from)."""
    text = resources.files("paperwire.accounts").joinpath("data/common-passwords.txt")
    return frozenset(line for line in text.read_text("utf-8").splitlines() if line)


def check_strength(password: str, *, username: str = "", email: str = "") -> None:
    """Raise WeakPassword unless the password is long enough, not too long, not one of the
    common ones, and not the account's own name or address."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password may have at most {MAX_LENGTH} characters")
    folded = password.casefold()
    if folded in common_passwords():
        raise WeakPassword("this password is one of the most common ones; choose another")
    own = {username.casefold(), email.casefold(), email.split("@")[0].casefold()} - {""}
    if folded in own:
        raise WeakPassword("a password must not be the account's name or email")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)


def dummy_verify(password: str) -> None:
    """Spend the time a real check costs, for a login name that has no account (or no
    password): a quick refusal would tell an attacker which names exist."""
    verify(_dummy_hash(HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism), password)


@functools.cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    del time_cost, memory_cost, parallelism  # the cache key: a new hasher gets a new hash
    return HASHER.hash("no account has this password")
