"""Subscribers and their preferences, validated where they enter (web form, CLI, library)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, cast

from paperwire.db.values import as_date, as_utc
from paperwire.digest.schedule import FREQUENCIES, Frequency, Schedule, zone

Status = Literal["pending", "confirmed", "unsubscribed", "suppressed"]
STATUSES: tuple[Status, ...] = ("pending", "confirmed", "unsubscribed", "suppressed")

MAX_EMAIL_CHARS = 254
MAX_TOPICS = 10
MAX_TOPIC_CHARS = 200
MAX_PAPERS = 30
DEFAULT_PAPERS = 10
DEFAULT_HOUR = 8
# Plain ASCII addresses only: what every SMTP server takes without the SMTPUTF8 extension.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"({_LOCAL})@({_LABEL}(?:\.{_LABEL})+)")


class InvalidInput(ValueError):
    """An email address or a preference that cannot be accepted (a form error)."""


def normalise_email(raw: str) -> str:
    """The address as stored: trimmed, domain lowercased; InvalidInput if not an address."""
    text = raw.strip()
    match = _EMAIL.fullmatch(text)
    if not match or len(text) > MAX_EMAIL_CHARS or len(match[1]) > 64:
        raise InvalidInput("Please enter a valid email address.")
    return f"{match[1]}@{match[2].lower()}"


def email_key(email: str) -> str:
    return email.lower()


def clean_topic(raw: str) -> str:
    """One saved search, on one line, within bounds; InvalidInput if nothing is left."""
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in raw)
    text = " ".join(text.split())
    if len(text) > MAX_TOPIC_CHARS:
        raise InvalidInput(f"A topic may have at most {MAX_TOPIC_CHARS} characters.")
    from paperwire.search.query import parse_query  # tantivy: only where topics are edited

    if not text or parse_query(text).is_empty:
        raise InvalidInput(f"The topic {text[:60]!r} has nothing to search for.")
    return text


@dataclass(frozen=True, slots=True)
class Preferences:
    frequency: Frequency = "daily"
    weekday: int = 0
    hour: int = DEFAULT_HOUR
    timezone: str = "UTC"
    paper_count: int = DEFAULT_PAPERS
    topics: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise InvalidInput("Frequency must be daily or weekly.")
        if not 0 <= self.weekday <= 6:
            raise InvalidInput("Weekday must be 0 (Monday) to 6 (Sunday).")
        if not 0 <= self.hour <= 23:
            raise InvalidInput("Hour must be 0 to 23.")
        if not 1 <= self.paper_count <= MAX_PAPERS:
            raise InvalidInput(f"Papers per digest must be 1 to {MAX_PAPERS}.")
        try:
            zone(self.timezone)
        except ValueError as error:
            raise InvalidInput(str(error)) from None
        if len(self.topics) > MAX_TOPICS:
            raise InvalidInput(f"At most {MAX_TOPICS} topics.")

    @classmethod
    def build(
        cls,
        *,
        frequency: str = "daily",
        weekday: int = 0,
        hour: int = DEFAULT_HOUR,
        timezone: str = "UTC",
        paper_count: int = DEFAULT_PAPERS,
        topics: Iterable[str] = (),
    ) -> Preferences:
        """Preferences from loose input (form fields, CLI options): topics cleaned and
        deduplicated, blank ones dropped."""
        cleaned = [clean_topic(topic) for topic in topics if topic.strip()]
        return cls(
            frequency=cast(Frequency, frequency),
            weekday=weekday,
            hour=hour,
            timezone=timezone.strip(),
            paper_count=paper_count,
            topics=tuple(dict.fromkeys(cleaned)),
        )

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.frequency, self.hour, self.weekday, self.timezone)

    def as_values(self) -> dict[str, Any]:
        return {
            "frequency": self.frequency,
            "weekday": self.weekday,
            "hour": self.hour,
            "timezone": self.timezone,
            "paper_count": self.paper_count,
            "topics": list(self.topics),
        }


@dataclass(slots=True)
class Subscriber:
    id: int
    email: str
    status: Status
    preferences: Preferences
    link_key: str
    user_id: int | None = None
    bounces: int = 0
    status_reason: str | None = None
    created_at: dt.datetime | None = None
    confirmed_at: dt.datetime | None = None
    next_due_at: dt.datetime | None = None
    covered_until: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "status": self.status,
            "user_id": self.user_id,
            **self.preferences.as_values(),
            "bounces": self.bounces,
            "created_at": _iso(self.created_at),
            "confirmed_at": _iso(self.confirmed_at),
            "next_due_at": _iso(self.next_due_at),
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _maybe_utc(value: Any) -> dt.datetime | None:
    return as_utc(value) if value is not None else None


def subscriber_from_row(row: Any) -> Subscriber:
    """A subscriber from a digest_subscribers row (stored values are trusted as valid)."""
    preferences = Preferences(
        frequency=row["frequency"],
        weekday=int(row["weekday"]),
        hour=int(row["hour"]),
        timezone=row["timezone"],
        paper_count=int(row["paper_count"]),
        topics=tuple(row["topics"] or ()),
    )
    return Subscriber(
        id=int(row["id"]),
        email=row["email"],
        status=row["status"],
        preferences=preferences,
        link_key=row["link_key"],
        user_id=row["user_id"],
        bounces=int(row["bounces"]),
        status_reason=row["status_reason"],
        created_at=_maybe_utc(row["created_at"]),
        confirmed_at=_maybe_utc(row["confirmed_at"]),
        next_due_at=_maybe_utc(row["next_due_at"]),
        covered_until=as_date(row["covered_until"]),
    )
