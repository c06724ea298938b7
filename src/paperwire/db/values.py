"""Values as the database hands them back, made uniform across SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any


def as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without a zone; they were stored as UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def maybe_utc(value: dt.datetime | None) -> dt.datetime | None:
    return as_utc(value) if value is not None else None


def as_date(value: Any) -> dt.date | None:
    """A DATE column's value (SQLite may give its ISO text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
