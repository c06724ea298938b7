"""Signed links and single-use confirmation tokens."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperwire.digest import tokens
from paperwire.digest.tokens import LinkClaim
from paperwire.signing import signer, token_hash

KEY = b"k" * 40


def test_a_signed_link_says_who_and_what() -> None:
    claim = LinkClaim("feedback", 42, 1234)
    token = tokens.sign(KEY, claim, "linkkey1")
    assert tokens.read_unverified(token) == claim
    assert tokens.verify(KEY, token, "linkkey1")
    assert token.isascii() and "/" not in token and "?" not in token
    assert token.startswith("f-42-1234.") and len(token) == len("f-42-1234.") + 43


def test_another_key_or_a_new_link_key_breaks_the_signature() -> None:
    token = tokens.sign(KEY, LinkClaim("unsubscribe", 7), "linkkey1")
    assert not tokens.verify(b"x" * 40, token, "linkkey1")
    assert not tokens.verify(KEY, token, "linkkey2")  # link_key replaced: old links die
    assert tokens.verify(KEY, token, "linkkey1")


def test_a_token_cannot_be_turned_into_another() -> None:
    unsubscribe = tokens.sign(KEY, LinkClaim("unsubscribe", 7), "lk")
    _payload, signature = unsubscribe.split(".")
    assert not tokens.verify(KEY, f"f-7-1.{signature}", "lk")
    preferences = tokens.sign(KEY, LinkClaim("preferences", 7), "lk").split(".")[0]
    forged = f"{preferences}.{signature}"
    assert tokens.read_unverified(forged) == LinkClaim("preferences", 7)
    assert not tokens.verify(KEY, forged, "lk")
    other_subscriber = tokens.sign(KEY, LinkClaim("unsubscribe", 8), "lk").split(".")[0]
    assert not tokens.verify(KEY, f"{other_subscriber}.{signature}", "lk")


@given(st.text(max_size=200))
def test_garbage_is_never_a_claim_that_verifies(text: str) -> None:
    claim = tokens.read_unverified(text)
    assert claim is None or not tokens.verify(KEY, text, "lk")


def test_confirmation_tokens_have_256_bits_and_only_their_hash_is_kept() -> None:
    first, second = tokens.new_nonce(), tokens.new_nonce()
    assert first != second
    token = tokens.confirmation_token(KEY, first)
    assert len(token) == 43  # 32 bytes, base64url
    assert tokens.confirmation_token(KEY, first) == token  # derivable when the mail renders
    assert tokens.confirmation_token(b"y" * 40, first) != token
    assert token_hash(token) != token and len(token_hash(token)) == 64


def _spellings(token: str) -> set[str]:
    payload, _, signature = token.partition(".")
    standard = signature.replace("-", "+").replace("_", "/")
    last = signature[:-1] + chr(ord(signature[-1]) ^ 1)  # other unused final bits
    return {
        f"{payload}.{signature}=",
        f"{payload}.{signature}==",
        f"{payload}.{signature}\u00e9",
        f"{payload}.{signature.swapcase()}",
        f"{payload}.{standard}",
        f"{payload}.{last}",
        f"{payload.upper()}.{signature}",
        f"{payload}.{signature}\n",
    } - {token}


def test_exactly_one_spelling_of_a_link_verifies() -> None:
    for number in range(40):  # signatures with and without "-" / "_", every last digit
        token = tokens.sign(KEY, LinkClaim("unsubscribe", number), "lk")
        assert tokens.verify(KEY, token, "lk")
        for spelling in _spellings(token):
            claim = tokens.read_unverified(spelling)
            assert claim is None or not tokens.verify(KEY, spelling, "lk"), spelling


@pytest.mark.parametrize(
    "payload", ["u-\u0661\u0662", "u-012", "u-+12", "u- 12", "u-1_2", "f-1", "u-1-2"]
)
def test_numbers_are_ascii_digits_in_one_spelling(payload: str) -> None:
    """Even when validly signed: int() would read "١٢" (Arabic-Indic digits) as 12."""
    token = signer(KEY, "digest-link", "lk").sign(payload).decode()
    assert tokens.read_unverified(token) is None


def test_ids_beyond_a_bigint_are_not_claims() -> None:
    token = signer(KEY, "digest-link", "lk").sign("u-" + "9" * 19).decode()
    assert tokens.read_unverified(token) is None
    assert tokens.read_unverified(tokens.sign(KEY, LinkClaim("unsubscribe", 0), "lk")) == (
        LinkClaim("unsubscribe", 0)  # the preview's subscriber
    )
