"""Tokens in mail links.

Signed links (unsubscribe, preferences, feedback) carry `<payload>.<signature>`, signed by
itsdangerous through signing.signer. The payload names the purpose and the subscriber
(`u-42`, `p-42`), and for feedback the digest too (`f-42-1234`: one token serves all its
👍/👎 links, which name paper and vote in the query string). The signature is an
HMAC-SHA256 under a key derived from the instance's secret key and the subscriber's
`link_key`. They never expire (RFC 8058 wants old unsubscribe links to keep working);
replacing a subscriber's link_key revokes them all. Exactly one spelling of a token
verifies, and numbers are ASCII digits without leading zeros.

Confirmation tokens are single-use: a keyed hash (signing.mac, 256 bits) of a random nonce
that only the outbox row knows; the database keeps their SHA-256 (signing.token_hash), so a
leaked table confirms nobody.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Literal

from itsdangerous import Signer

from paperwire.signing import mac, read_signed, signer

Purpose = Literal["unsubscribe", "preferences", "feedback"]
_CODES: dict[Purpose, str] = {"unsubscribe": "u", "preferences": "p", "feedback": "f"}
_PURPOSES: dict[str, Purpose] = {code: purpose for purpose, code in _CODES.items()}
# ASCII digits (int() would take "١٢" too), no leading zero; and within the id columns
# (subscribers and outbox rows are PostgreSQL `integer`: a larger id fails in the driver).
_NUMBER = re.compile(r"0|[1-9][0-9]{0,9}")
MAX_ID = 2**31 - 1
MAX_TOKEN_CHARS = 200


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """What a valid signed link says: who, and (feedback) about which digest."""

    purpose: Purpose
    subscriber_id: int
    digest_id: int = 0  # the outbox row of the digest the feedback links are in


def new_link_key() -> str:
    return secrets.token_hex(16)


def _signer(key: bytes, link_key: str) -> Signer:
    return signer(key, "digest-link", link_key)


def sign(key: bytes, claim: LinkClaim, link_key: str) -> str:
    fields = [_CODES[claim.purpose], str(claim.subscriber_id)]
    if claim.purpose == "feedback":
        fields.append(str(claim.digest_id))
    return _signer(key, link_key).sign("-".join(fields)).decode("ascii")


def read_unverified(token: str) -> LinkClaim | None:
    """The claim a token makes, before checking its signature (which needs the link_key)."""
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        return None
    code, *numbers = token.partition(".")[0].split("-")
    purpose = _PURPOSES.get(code)
    if purpose is None or not all(_NUMBER.fullmatch(number) for number in numbers):
        return None
    if len(numbers) != (2 if purpose == "feedback" else 1):
        return None
    if any(int(number) > MAX_ID for number in numbers):
        return None
    return LinkClaim(purpose, *(int(number) for number in numbers))


def verify(key: bytes, token: str, link_key: str) -> bool:
    return len(token) <= MAX_TOKEN_CHARS and read_signed(_signer(key, link_key), token) is not None


def new_nonce() -> str:
    return secrets.token_hex(16)


def confirmation_token(key: bytes, nonce: str) -> str:
    return mac(key, "digest-confirm", nonce)
