"""Listing periods: a day, an ISO week or a month of listed papers, parsed from URL strings.

The daily list, the week and month views, the HF-compatible `date`/`week`/`month` query
parameters and the feeds all name a span of `listed_on` dates the same way.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

PeriodKind = Literal["day", "week", "month"]

_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class PeriodError(ValueError):
    """A period string that is not a real day (YYYY-MM-DD), week (YYYY-Www) or month (YYYY-MM)."""


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive span of listing dates."""

    kind: PeriodKind
    start: dt.date
    end: dt.date

    @classmethod
    def day(cls, day: dt.date) -> Period:
        return cls("day", day, day)

    @classmethod
    def week_of(cls, day: dt.date) -> Period:
        start = day - dt.timedelta(days=day.weekday())
        return cls("week", start, start + dt.timedelta(days=6))

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        last = calendar.monthrange(day.year, day.month)[1]
        return cls("month", day.replace(day=1), day.replace(day=last))

    @property
    def slug(self) -> str:
        """The URL form: 2026-03-14, 2026-W11 or 2026-03."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        """For people: "Mar 14, 2026", "Week 11, 2026 (Mar 9 – Mar 15)", "March 2026"."""
        if self.kind == "day":
            return _day_label(self.start)
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return (
                f"Week {week}, {year} ({self.start:%b} {self.start.day} – "
                f"{self.end:%b} {self.end.day})"
            )
        return f"{self.start:%B %Y}"

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods later (negative: earlier), of the same kind."""
        if self.kind == "day":
            return Period.day(self.start + dt.timedelta(days=steps))
        if self.kind == "week":
            return Period.week_of(self.start + dt.timedelta(weeks=steps))
        month_index = self.start.year * 12 + self.start.month - 1 + steps
        return Period.month_of(dt.date(month_index // 12, month_index % 12 + 1, 1))

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _day_label(day: dt.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def parse_day(text: str) -> Period:
    if not _DAY.fullmatch(text):
        raise PeriodError(f"date must be YYYY-MM-DD, got {text[:40]!r}")
    try:
        return Period.day(dt.date.fromisoformat(text))
    except ValueError:
        raise PeriodError(f"no such date: {text!r}") from None


def parse_week(text: str) -> Period:
    match = _WEEK.fullmatch(text)
    if not match:
        raise PeriodError(f"week must be YYYY-Www (ISO week, e.g. 2026-W11), got {text[:40]!r}")
    try:
        monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise PeriodError(f"no such ISO week: {text!r}") from None
    return Period.week_of(monday)


def parse_month(text: str) -> Period:
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise PeriodError(f"month must be YYYY-MM, got {text[:40]!r}")
    return Period.month_of(dt.date(int(match[1]), int(match[2]), 1))


def parse_period(kind: PeriodKind, text: str) -> Period:
    parser = {"day": parse_day, "week": parse_week, "month": parse_month}[kind]
    return parser(text)
