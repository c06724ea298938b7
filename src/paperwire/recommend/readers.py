"""Who recommendations are for: a signed-in user, or a digest subscriber without an account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from paperwire.errors import CommunityError

ReaderKind = Literal["user", "subscriber"]
_KINDS: tuple[ReaderKind, ...] = ("user", "subscriber")


class RecommendInputError(CommunityError):
    """Input the recommender refuses (a bad reader key, an import it cannot read); says why."""


@dataclass(frozen=True, slots=True, order=True)
class Reader:
    kind: ReaderKind
    id: int

    @property
    def key(self) -> str:
        """The stored form: "user:12", "subscriber:7"."""
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, key: str) -> Reader:
        kind, _, number = key.partition(":")
        if kind not in _KINDS or not number.isascii() or not number.isdigit():
            raise RecommendInputError(f"not a reader key: {key!r}")
        return cls("user" if kind == "user" else "subscriber", int(number))


def user(user_id: int) -> Reader:
    return Reader("user", user_id)


def for_subscriber(subscriber_id: int, user_id: int | None) -> Reader:
    """A digest subscriber that has an account is that user: one set of signals, not two."""
    if user_id is not None:
        return Reader("user", user_id)
    return Reader("subscriber", subscriber_id)
