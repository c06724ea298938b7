"""Tokens in mail links.

Signed links (unsubscribe, preferences, feedback) carry `payload.signature`: the payload
names the purpose and the subscriber (and, for feedback, the digest: one token serves all
its 👍/👎 links, which name paper and vote in the query string); the signature is
an HMAC-SHA256 over it and the subscriber's `link_key`, with the instance's secret key. They
never expire (RFC 8058 wants old unsubscribe links to keep working); replacing a
subscriber's link_key revokes them all.

Confirmation tokens are single-use: 256 bits derived from a random nonce that only the
outbox row knows; the database keeps their SHA-256, so a leaked table confirms nobody.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

Purpose = Literal["unsubscribe", "preferences", "feedback"]
_CODES: dict[Purpose, str] = {"unsubscribe": "u", "preferences": "p", "feedback": "f"}
_PURPOSES: dict[str, Purpose] = {code: purpose for purpose, code in _CODES.items()}
SIGNATURE_BYTES = 16  # 128 bits
MAX_TOKEN_CHARS = 600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """What a valid signed link says: who, and (feedback) about which digest."""

    purpose: Purpose
    subscriber_id: int
    digest_id: int = 0  # the outbox row of the digest the feedback links are in


def new_link_key() -> str:
    return secrets.token_hex(16)


def _signature(key: bytes, payload: bytes, link_key: str) -> bytes:
    # hmac.digest: the one-shot C implementation (a digest has ~50 of these links).
    return hmac.digest(key, payload + b"|" + link_key.encode("ascii"), "sha256")[:SIGNATURE_BYTES]


def sign(key: bytes, claim: LinkClaim, link_key: str) -> str:
    parts = [_CODES[claim.purpose], str(claim.subscriber_id)]
    if claim.purpose == "feedback":
        parts.append(str(claim.digest_id))
    payload = ":".join(parts).encode("utf-8")
    return f"{_b64(payload)}.{_b64(_signature(key, payload, link_key))}"


def read_unverified(token: str) -> LinkClaim | None:
    """The claim a token makes, before checking its signature (which needs the link_key)."""
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        return None
    encoded, _ = token.split(".")
    try:
        fields = _unb64(encoded).decode("utf-8").split(":", 2)
    except (ValueError, UnicodeDecodeError):
        return None
    if len(fields) < 2 or fields[0] not in _PURPOSES or not fields[1].isdigit():
        return None
    purpose = _PURPOSES[fields[0]]
    if purpose == "feedback":
        if len(fields) != 3 or not fields[2].isdigit():
            return None
        return LinkClaim("feedback", int(fields[1]), int(fields[2]))
    if len(fields) != 2:
        return None
    return LinkClaim(purpose, int(fields[1]))


def verify(key: bytes, token: str, link_key: str) -> bool:
    try:
        encoded, signature = token.split(".")
        expected = _signature(key, _unb64(encoded), link_key)
        return hmac.compare_digest(_unb64(signature), expected)
    except ValueError:
        return False


def new_nonce() -> str:
    return secrets.token_hex(16)


def confirmation_token(key: bytes, nonce: str) -> str:
    return _b64(hmac.new(key, b"confirm|" + nonce.encode("ascii"), hashlib.sha256).digest())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
