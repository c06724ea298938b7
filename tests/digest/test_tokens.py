"""Signed links and single-use confirmation tokens."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from paperwire.digest import tokens
from paperwire.digest.tokens import LinkClaim

KEY = b"k" * 40


def test_a_signed_link_says_who_and_what() -> None:
    claim = LinkClaim("feedback", 42, 1234)
    token = tokens.sign(KEY, claim, "linkkey1")
    assert tokens.read_unverified(token) == claim
    assert tokens.verify(KEY, token, "linkkey1")
    assert token.isascii() and "/" not in token and "?" not in token


def test_another_key_or_a_new_link_key_breaks_the_signature() -> None:
    token = tokens.sign(KEY, LinkClaim("unsubscribe", 7), "linkkey1")
    assert not tokens.verify(b"x" * 40, token, "linkkey1")
    assert not tokens.verify(KEY, token, "linkkey2")  # link_key replaced: old links die


def test_a_token_cannot_be_turned_into_another() -> None:
    unsubscribe = tokens.sign(KEY, LinkClaim("unsubscribe", 7), "lk")
    _payload, signature = unsubscribe.split(".")
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
    assert tokens.token_hash(token) != token and len(tokens.token_hash(token)) == 64
