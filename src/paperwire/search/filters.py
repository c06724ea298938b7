"""Structured search filters (API and CLI arguments), validated up front.

Unlike the free-text query, a bad filter is the caller's mistake worth reporting, so
everything here raises QueryError (HTTP 400 / a clear CLI error) instead of guessing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from paperwire.search.query import QueryError

_CATEGORY = re.compile(r"[a-z][a-z-]*(?:\.[a-z][a-z-]*)?")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

DateRange = tuple[dt.date | None, dt.date | None]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Filters applied to every result; None / empty means "no constraint". Bounds inclusive."""

    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    listed_from: dt.date | None = None
    listed_to: dt.date | None = None
    categories: tuple[str, ...] = ()  # any of; lowercase; an archive ("cs") matches cs.*
    has_code: bool | None = None
    min_upvotes: int | None = None

    def __post_init__(self) -> None:
        _check_order("submitted", self.submitted_from, self.submitted_to)
        _check_order("listed_on", self.listed_from, self.listed_to)
        for category in self.categories:
            if not _CATEGORY.fullmatch(category):
                raise QueryError(f"invalid category {category!r} (expected e.g. cs.CV, hep-th)")
        if self.min_upvotes is not None and self.min_upvotes < 0:
            raise QueryError(f"min_upvotes must be >= 0, got {self.min_upvotes}")

    @property
    def is_empty(self) -> bool:
        return self == SearchFilters()

    @classmethod
    def parse(
        cls,
        *,
        submitted: str | None = None,
        listed_on: str | None = None,
        categories: str | Sequence[str] | None = None,
        has_code: bool | str | None = None,
        min_upvotes: int | str | None = None,
    ) -> SearchFilters:
        """Build filters from strings as the CLI and query parameters give them.

        Dates: `2024-03-01..2024-03-31`, open ends `2024-03-01..` / `..2024-03-31`, or one
        period `2024`, `2024-03`, `2024-03-14`. Categories: comma-separated or a list.
        """
        submitted_from, submitted_to = parse_date_range(submitted, "submitted")
        listed_from, listed_to = parse_date_range(listed_on, "listed_on")
        return cls(
            submitted_from=submitted_from,
            submitted_to=submitted_to,
            listed_from=listed_from,
            listed_to=listed_to,
            categories=_parse_categories(categories),
            has_code=_parse_bool(has_code),
            min_upvotes=_parse_int(min_upvotes, "min_upvotes"),
        )


def parse_date_range(text: str | None, name: str = "date") -> DateRange:
    """`a..b`, `a..`, `..b` or a single period; each side YYYY, YYYY-MM or YYYY-MM-DD."""
    if text is None or not text.strip():
        return None, None
    text = text.strip()
    if ".." in text:
        start, _, end = text.partition("..")
        low = _period(start, name)[0] if start.strip() else None
        high = _period(end, name)[1] if end.strip() else None
    else:
        low, high = _period(text, name)
    _check_order(name, low, high)
    return low, high


def _period(text: str, name: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the year, month or day written in `text`."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = map(int, text.split("-"))
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, 1), dt.date(year, month, last)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = dt.date.fromisoformat(text)
            return day, day
    except ValueError as error:  # month 13, February 30th...
        raise QueryError(f"invalid {name} date {text!r}: {error}") from None
    raise QueryError(f"invalid {name} date {text!r} (expected YYYY, YYYY-MM or YYYY-MM-DD)")


def _check_order(name: str, low: dt.date | None, high: dt.date | None) -> None:
    if low is not None and high is not None and low > high:
        raise QueryError(f"empty {name} range: {low} is after {high}")


def _parse_categories(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))


def _parse_bool(value: bool | str | None) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    if not lowered:
        return None
    raise QueryError(f"invalid has_code value {value!r} (expected true or false)")


def _parse_int(value: int | str | None, name: str) -> int | None:
    if value is None or isinstance(value, int):
        return value
    if not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise QueryError(f"invalid {name} value {value!r} (expected a whole number)") from None
