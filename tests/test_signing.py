"""The secret key and what is derived from it."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from paperwire import signing as keys
from paperwire.config import Settings


def test_a_key_is_made_once_in_the_data_dir_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    key = keys.secret_key(settings)
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64 and path.read_text().strip().encode() == key
    keys._cache.clear()  # a new process reads the same file
    assert keys.secret_key(settings) == key
    assert keys.secret_key(Settings(data_dir=tmp_path / "other")) != key


def test_configured_key_wins_and_must_be_long_enough(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="a configured secret value")
    assert keys.secret_key(settings) == b"a configured secret value"
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(keys.SecretKeyError, match="at least 16"):
        keys.secret_key(Settings(data_dir=tmp_path, secret_key="short"))


def test_random_tokens_have_256_bits_and_are_stored_hashed() -> None:
    token = keys.random_token()
    assert len(token) == 43 and token != keys.random_token()
    assert keys.token_hash(token) != token and len(keys.token_hash(token)) == 64


def test_mac_separates_purposes_and_parts() -> None:
    key = b"k" * 32
    assert keys.mac(key, "csrf", "ab", "c") != keys.mac(key, "csrf", "a", "bc")
    assert keys.mac(key, "csrf", "x") != keys.mac(key, "reset", "x")
    assert keys.mac(key, "csrf", "x") != keys.mac(b"j" * 32, "csrf", "x")


def test_signed_values_expire_and_resist_tampering() -> None:
    key = b"k" * 32
    start = dt.datetime(2026, 3, 16, 12, tzinfo=dt.UTC)
    token = keys.sign(key, "unsubscribe", "user-42", start + dt.timedelta(days=1))
    assert keys.unsign(key, "unsubscribe", token, start) == "user-42"
    assert keys.unsign(key, "unsubscribe", token, start + dt.timedelta(days=1)) is None
    assert keys.unsign(key, "other", token, start) is None
    assert keys.unsign(b"j" * 32, "unsubscribe", token, start) is None
    forged = token.replace("user-42", "user-43")
    assert keys.unsign(key, "unsubscribe", forged, start) is None
    assert keys.unsign(key, "unsubscribe", "garbage", start) is None
    assert keys.unsign(key, "unsubscribe", "", start) is None
    assert keys.unsign(key, "unsubscribe", "\udc80.1.x", start) is None


def test_the_expiry_is_signed_and_read_with_the_injected_clock() -> None:
    key = b"k" * 32
    expires = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # long past, by time.time()
    token = keys.sign(key, "reset", "a.b", expires)  # dots in the value are fine
    assert token.startswith(f"a.b.{int(expires.timestamp())}.")
    assert keys.unsign(key, "reset", token, expires - dt.timedelta(seconds=1)) == "a.b"
    assert keys.unsign(key, "reset", token, expires) is None
    value, stamp, signature = token.rsplit(".", 2)
    later = f"{value}.{int(stamp) + 86400}.{signature}"
    assert keys.unsign(key, "reset", later, expires) is None  # the expiry is signed


def test_a_non_ascii_expiry_is_refused_not_read_as_a_number() -> None:
    key = b"k" * 32
    signer = keys.signer(key, "reset")
    token = signer.sign("v.١٢").decode()  # validly signed, Arabic-Indic digits
    assert int("١٢") == 12 and keys.read_signed(signer, token) == "v.١٢"
    assert keys.unsign(key, "reset", token, dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) is None


def _spellings(token: str) -> set[str]:
    """Other ways to write `token` that a lenient base64 decoder would read the same."""
    body, _, signature = token.rpartition(".")
    flipped_case = signature.swapcase()
    other_last_bits = signature[:-1] + chr(ord(signature[-1]) ^ 1)
    standard = signature.replace("-", "+").replace("_", "/")
    return {
        f"{body}.{signature}=",
        f"{body}.{signature}==",
        f"{body}.{signature}é",  # a decoder that skips non-ASCII characters
        f"{body}.{signature} ",
        f"{body}.{flipped_case}",
        f"{body}.{other_last_bits}",
        f"{body}.{standard}" if standard != signature else f"{body}.{signature}\n",
        f"{body}.{signature.upper()}",
        f"{body.upper()}.{signature}",
        f" {token}",
    } - {token}


def test_exactly_one_spelling_of_a_token_verifies() -> None:
    key = b"k" * 32
    now = dt.datetime(2026, 3, 16, 12, tzinfo=dt.UTC)
    for number in range(40):  # signatures with and without "-" / "_", every last digit
        token = keys.sign(key, "unsubscribe", f"user-{number}", now + dt.timedelta(days=1))
        assert keys.unsign(key, "unsubscribe", token, now) == f"user-{number}"
        for spelling in _spellings(token):
            assert keys.unsign(key, "unsubscribe", spelling, now) is None, spelling


def test_the_signature_is_itsdangerous_hmac_sha256_per_purpose() -> None:
    key = b"k" * 32
    token = keys.signer(key, "csrf").sign("x").decode()
    assert len(token.rpartition(".")[2]) == 43  # 32 bytes, base64url without padding
    assert keys.read_signed(keys.signer(key, "csrf"), token) == "x"
    assert keys.read_signed(keys.signer(key, "csr", "f"), token) is None  # parts kept apart
    assert keys.read_signed(keys.signer(key, "csrf", ""), token) is None
