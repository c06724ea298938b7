"""Values read back from either database come out alike."""

from __future__ import annotations

import datetime as dt

from paperwire.db.values import as_date, as_utc, maybe_utc


def test_naive_timestamps_are_utc_and_aware_ones_are_converted() -> None:
    naive = dt.datetime(2026, 3, 14, 12, 30)
    assert as_utc(naive) == dt.datetime(2026, 3, 14, 12, 30, tzinfo=dt.UTC)
    paris = dt.datetime(2026, 3, 14, 13, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert as_utc(paris) == dt.datetime(2026, 3, 14, 12, 30, tzinfo=dt.UTC)
    assert as_utc(paris).tzinfo is dt.UTC
    assert maybe_utc(None) is None and maybe_utc(naive) == as_utc(naive)


def test_dates_come_from_dates_or_iso_text() -> None:
    day = dt.date(2026, 3, 14)
    assert as_date(day) is day
    assert as_date("2026-03-14") == day
    assert as_date(None) is None
