"""Listing periods parsed from URL strings: days, ISO weeks, months, and their neighbours."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.catalog.periods import (
    Period,
    PeriodError,
    parse_day,
    parse_month,
    parse_period,
    parse_week,
)


def test_day_week_and_month_spans() -> None:
    assert parse_day("2026-03-14") == Period("day", dt.date(2026, 3, 14), dt.date(2026, 3, 14))
    week = parse_week("2026-W11")
    assert (week.start, week.end) == (dt.date(2026, 3, 9), dt.date(2026, 3, 15))
    assert week.contains(dt.date(2026, 3, 14)) and not week.contains(dt.date(2026, 3, 16))
    february = parse_month("2024-02")
    assert (february.start, february.end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def test_slug_round_trips_and_labels() -> None:
    for kind, text in (("day", "2026-03-14"), ("week", "2026-W11"), ("month", "2026-03")):
        period = parse_period(kind, text)  # type: ignore[arg-type]
        assert period.slug == text
        assert parse_period(kind, period.slug) == period  # type: ignore[arg-type]
    assert parse_day("2026-03-14").label == "Mar 14, 2026"
    assert parse_week("2026-W11").label == "Week 11, 2026 (Mar 9 – Mar 15)"
    assert parse_month("2026-03").label == "March 2026"


def test_iso_week_53_and_year_boundaries() -> None:
    week = parse_week("2020-W53")  # 2020 has 53 ISO weeks; it ends in January 2021
    assert (week.start, week.end) == (dt.date(2020, 12, 28), dt.date(2021, 1, 3))
    assert week.shifted(1).slug == "2021-W01"
    assert parse_week("2021-W01").shifted(-1) == week
    with pytest.raises(PeriodError):
        parse_week("2021-W53")  # 2021 has only 52


def test_shifting() -> None:
    assert parse_day("2026-03-01").shifted(-1).slug == "2026-02-28"
    assert parse_month("2026-01").shifted(-1).slug == "2025-12"
    assert parse_month("2025-12").shifted(1).slug == "2026-01"
    assert parse_month("2026-03").shifted(-14).slug == "2025-01"
    assert Period.week_of(dt.date(2026, 3, 14)).shifted(2).slug == "2026-W13"


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("day", "2026-02-30"),
        ("day", "yesterday"),
        ("day", "2026-3-1"),
        ("day", "2026-03-14T00:00"),
        ("day", "２０２６-03-14"),  # full-width digits: isoformat would not take them anyway
        ("week", "2026-W00"),
        ("week", "2026-11"),
        ("week", "2026-W1"),
        ("month", "2026-13"),
        ("month", "2026-00"),
        ("month", "0000-01"),
        ("month", "2026-3"),
        ("month", "x" * 10_000),
    ],
)
def test_bad_strings_are_refused_with_a_clear_error(kind: str, text: str) -> None:
    with pytest.raises(PeriodError) as error:
        parse_period(kind, text)  # type: ignore[arg-type]
    assert len(str(error.value)) < 120  # the message quotes at most a short prefix
