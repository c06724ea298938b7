"""The instance's secret key and what is derived from it: HMACs, signed values, random tokens.

`secret_key(settings)`: settings.secret_key when set, else a random key made once and kept
in <data_dir>/secret_key (mode 0600). Several processes on one data dir agree on the file
(it is created with O_EXCL, so the first writer wins); processes on different machines must
share PAPERWIRE_SECRET_KEY.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from paperwire.config import Settings

KEY_FILE = "secret_key"
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


def sign(key: bytes, purpose: str, value: str, expires: dt.datetime) -> str:
    """`value` with an expiry and a MAC: '<value>.<unix expiry>.<mac>'. The value is visible
    to whoever holds the token; only its integrity and expiry are protected."""
    stamp = str(int(expires.timestamp()))
    return f"{value}.{stamp}.{mac(key, purpose, value, stamp)}"


def unsign(key: bytes, purpose: str, token: str, now: dt.datetime) -> str | None:
    """The value of a token made by `sign` for this purpose, or None when it was altered,
    made for another purpose, or has expired."""
    try:
        value, stamp, given = token.rsplit(".", 2)
        expiry = int(stamp)
    except ValueError:
        return None
    if not hmac.compare_digest(given, mac(key, purpose, value, stamp)):
        return None
    if now.timestamp() >= expiry:
        return None
    return value
