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
