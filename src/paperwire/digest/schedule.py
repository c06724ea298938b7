"""When digests are due: each subscriber's local delivery hour, in their own time zone.

A slot is one delivery: a local day (its key, e.g. "2026-03-16") and the UTC instant of the
delivery hour on that day. Daily digests go out on weekdays (like Hugging Face's), weekly
ones on the chosen weekday. Daylight-saving changes move the UTC instant, never the local
hour; an hour that a spring-forward skips is delivered at the first instant after the gap,
and an hour that a fall-back repeats is delivered once (the first time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

Frequency = Literal["daily", "weekly"]
FREQUENCIES: tuple[Frequency, ...] = ("daily", "weekly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A weekly slot is at most 7 days away; look one day further for DST edge cases.
_SEARCH_DAYS = 8
# The first digest of a new subscriber covers this many days of listings.
FIRST_LOOKBACK_DAYS: dict[Frequency, int] = {"daily": 1, "weekly": 7}


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The zone named `name` (IANA, e.g. Europe/Berlin); ValueError for an unknown one."""
    if name not in time_zones() and name != "UTC":
        raise ValueError(f"unknown time zone {name[:64]!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name[:64]!r}") from None


@dataclass(frozen=True, slots=True)
class Slot:
    key: str  # the local delivery day, ISO: the digest's period
    day: dt.date
    at: dt.datetime  # UTC


@dataclass(frozen=True, slots=True)
class Schedule:
    frequency: Frequency
    hour: int
    weekday: int
    timezone: str

    def runs_on(self, day: dt.date) -> bool:
        if self.frequency == "daily":
            return day.weekday() < 5
        return day.weekday() == self.weekday

    def slot_on(self, day: dt.date) -> Slot:
        local = dt.datetime(day.year, day.month, day.day, self.hour, tzinfo=zone(self.timezone))
        # A local time inside a spring-forward gap does not exist; zoneinfo reads it with the
        # offset before the gap, which lands on the first real instant after it. Round
        # trip through UTC to get that instant.
        return Slot(day.isoformat(), day, local.astimezone(dt.UTC))

    def latest_slot(self, now: dt.datetime) -> Slot | None:
        """The most recent slot at or before `now` (None if none in the last week)."""
        today = now.astimezone(zone(self.timezone)).date()
        for back in range(_SEARCH_DAYS + 1):
            day = today - dt.timedelta(days=back)
            if self.runs_on(day):
                slot = self.slot_on(day)
                if slot.at <= now:
                    return slot
        return None

    def next_slot(self, after: dt.datetime) -> Slot:
        """The first slot strictly after `after`."""
        today = after.astimezone(zone(self.timezone)).date()
        for ahead in range(-1, _SEARCH_DAYS + 1):
            day = today + dt.timedelta(days=ahead)
            if self.runs_on(day):
                slot = self.slot_on(day)
                if slot.at > after:
                    return slot
        raise AssertionError("every schedule has a slot within 8 days")

    def due_slot(self, now: dt.datetime) -> Slot:
        """The slot a digest composed at `now` belongs to: the latest one that has come
        (after downtime, missed slots fold into this one: one digest, not a pile)."""
        return self.latest_slot(now) or self.slot_on(now.astimezone(zone(self.timezone)).date())
