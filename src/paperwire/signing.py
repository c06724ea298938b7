"""The instance's secret key and what is derived from it: HMACs, signed values, random tokens.

`secret_key(settings)`: settings.secret_key when set, else a random key made once and kept
in <data_dir>/secret_key (mode 0600). Several processes on one data dir agree on the file
(it is created with O_EXCL, so the first writer wins); processes on different machines must
share PAPERWIRE_SECRET_KEY.

Signed tokens are itsdangerous' (`signer`): `<value>.<signature>`, HMAC-SHA256 under a key
derived from the secret key and the purpose, so a token made for one purpose is worthless
for another. Exactly one spelling of a token verifies. Keyed hashes that are looked up, not
read back (`mac`, `token_hash`), are not signed tokens and stay plain HMAC/SHA-256.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import threading
from pathlib import Path

from itsdangerous import BadSignature, Signer, want_bytes

from paperwire.config import Settings

KEY_FILE = "secret_key"
_STAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would also take "١٢"
_MIN_KEY_CHARS = 16
_cache: dict[Path, bytes] = {}
_lock = threading.Lock()


class SecretKeyError(RuntimeError):
    """The configured key is unusable (too short), or the key file cannot be read."""


def secret_key(settings: Settings) -> bytes:
    if settings.secret_key:
        if len(settings.secret_key) < _MIN_KEY_CHARS:
            raise SecretKeyError(
                f"PAPERWIRE_SECRET_KEY must have at least {_MIN_KEY_CHARS} characters"
            )
        return settings.secret_key.encode("utf-8")
    path = (settings.data_dir / KEY_FILE).resolve()
    with _lock:
        key = _cache.get(path)
        if key is None:
            key = _key_from_file(path)
            _cache[path] = key
        return key


def _key_from_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="ascii").strip()
    if len(text) < _MIN_KEY_CHARS:
        # Another process is between creating the file and writing it: read once more.
        text = path.read_text(encoding="ascii").strip()
    if len(text) < _MIN_KEY_CHARS:
        raise SecretKeyError(f"{path} holds no usable key; delete it to make a new one")
    return text.encode("ascii")


def random_token(nbytes: int = 32) -> str:
    """A URL-safe random string (32 bytes: 256 bits)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """What the database keeps of a high-entropy secret: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mac(key: bytes, purpose: str, *parts: str) -> str:
    """HMAC-SHA256 over the purpose and parts (length-prefixed, so parts cannot run into
    each other), URL-safe base64 without padding."""
    message = b"".join(
        len(item).to_bytes(4, "big") + item for item in (p.encode() for p in (purpose, *parts))
    )
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class _CanonicalSigner(Signer):
    """itsdangerous' Signer, taking only the spelling of a signature that it writes. Its
    base64 decoder also takes padding, the standard alphabet's "+/", other values of the
    unused final bits, and skips non-ASCII characters: one token would have many spellings
    that verify, and each could be told apart from the others in logs, caches and counters."""

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        return hmac.compare_digest(want_bytes(sig), self.get_signature(value))


def signer(key: bytes, purpose: str, *context: str) -> Signer:
    """The signer for one purpose (and context, such as a subscriber's link key: a token
    only verifies under the same one). The salt length-prefixes its parts, like `mac`."""
    salt = b"".join(
        len(item).to_bytes(4, "big") + item for item in (p.encode() for p in (purpose, *context))
    )
    return _CanonicalSigner(key, salt=salt, key_derivation="hmac", digest_method=hashlib.sha256)


def read_signed(signed_by: Signer, token: str) -> str | None:
    """The value of a token `signed_by` made, or None (altered, another key or purpose, or
    not a token at all)."""
    try:
        return signed_by.unsign(token).decode("utf-8")
    except (BadSignature, UnicodeError):  # UnicodeError: a lone surrogate in the token
        return None


def sign(key: bytes, purpose: str, value: str, expires: dt.datetime) -> str:
    """`value` with an expiry, signed: '<value>.<unix expiry>.<signature>'. The value is
    visible to whoever holds the token; only its integrity and expiry are protected. The
    expiry is part of the signed value (not itsdangerous' timestamp, which is checked
    against time.time()), so `unsign` can use the injected clock."""
    stamp = str(int(expires.timestamp()))
    return signer(key, purpose).sign(f"{value}.{stamp}").decode("utf-8")


def unsign(key: bytes, purpose: str, token: str, now: dt.datetime) -> str | None:
    """The value of a token made by `sign` for this purpose, or None when it was altered,
    made for another purpose, or has expired by `now`."""
    payload = read_signed(signer(key, purpose), token)
    if payload is None:
        return None
    value, _, stamp = payload.rpartition(".")
    if not _STAMP.fullmatch(stamp) or now.timestamp() >= int(stamp):
        return None
    return value
