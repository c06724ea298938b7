"""Password rules and argon2id hashing."""

from __future__ import annotations

import argon2
import pytest

from paperwire.accounts import passwords
from paperwire.accounts.passwords import WeakPassword, check_strength


def test_length_limits() -> None:
    with pytest.raises(WeakPassword, match="at least 8"):
        check_strength("x7#kq2!")
    check_strength("x7#kq2!Z")
    check_strength("y" * 200 + "a1!" + "z" * 53)  # 256 characters
    with pytest.raises(WeakPassword, match="at most 256"):
        check_strength("y" * 257)


@pytest.mark.parametrize("common", ["password", "iloveyou", "qwertyuiop", "Password1", "TRUSTNO1"])
def test_common_passwords_are_refused_whatever_their_case(common: str) -> None:
    with pytest.raises(WeakPassword, match="most common"):
        check_strength(common)


def test_the_shipped_list_has_a_few_thousand_long_entries() -> None:
    listed = passwords.common_passwords()
    assert 2000 <= len(listed) <= 10_000
    assert all(len(entry) >= passwords.MIN_LENGTH and entry == entry.lower() for entry in listed)
    assert {"password", "12345678", "baseball", "sunshine"} <= listed


def test_own_name_or_address_is_refused() -> None:
    with pytest.raises(WeakPassword, match="account's name"):
        check_strength("Marguerite", username="marguerite", email="m@example.org")
    with pytest.raises(WeakPassword, match="account's name"):
        check_strength("m.duras.writer", username="md", email="M.Duras.Writer@example.org")
    check_strength("a long unusual phrase", username="md", email="md@example.org")


def test_real_parameters_are_owasp_argon2id() -> None:
    # The module's hasher (the tests swap in a quicker one, see conftest.quick_hashing).
    assert (passwords.TIME_COST, passwords.MEMORY_KIB, passwords.PARALLELISM) == (2, 19456, 1)
    hasher = argon2.PasswordHasher(
        time_cost=passwords.TIME_COST,
        memory_cost=passwords.MEMORY_KIB,
        parallelism=passwords.PARALLELISM,
    )
    assert hasher.hash("a long unusual phrase").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_hash_verify_and_rehash(quick_hashing: argon2.PasswordHasher) -> None:
    stored = passwords.hash_password("a long unusual phrase")
    assert stored.startswith("$argon2id$")
    assert "a long unusual phrase" not in stored
    assert passwords.verify(stored, "a long unusual phrase")
    assert not passwords.verify(stored, "a long unusual phrasE")
    assert not passwords.verify("not a hash", "a long unusual phrase")
    assert not passwords.needs_rehash(stored)
    passwords.HASHER = argon2.PasswordHasher(time_cost=2, memory_cost=64, parallelism=1)
    assert passwords.needs_rehash(stored)
    assert passwords.verify(stored, "a long unusual phrase")  # old hashes still verify


def test_dummy_verify_costs_a_real_verification() -> None:
    # It must run argon2 (not return at once); it never raises.
    passwords.dummy_verify("anything at all")
