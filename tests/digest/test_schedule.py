"""Delivery slots in the subscriber's zone: weekdays, weekly, DST both ways, downtime."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.digest.schedule import Schedule, zone

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_means_weekdays_at_the_local_hour() -> None:
    berlin = Schedule("daily", 8, 0, "Europe/Berlin")
    friday_evening = at("2026-01-09T18:00")
    slot = berlin.next_slot(friday_evening)
    assert slot.key == "2026-01-12"  # Monday: the weekend has no digest
    assert slot.at == at("2026-01-12T07:00")  # 08:00 CET
    assert berlin.next_slot(slot.at).key == "2026-01-13"


def test_weekly_on_the_chosen_day() -> None:
    weekly = Schedule("weekly", 18, 6, "America/New_York")  # Sundays 18:00
    slot = weekly.next_slot(at("2026-01-07T00:00"))
    assert (slot.key, slot.at) == ("2026-01-11", at("2026-01-11T23:00"))
    assert weekly.next_slot(slot.at).key == "2026-01-18"


def test_spring_forward_keeps_the_local_hour() -> None:
    berlin = Schedule("daily", 8, 0, "Europe/Berlin")
    # Clocks go forward on Sunday 2026-03-29: Friday is CET (+1), Monday CEST (+2).
    friday = berlin.next_slot(at("2026-03-26T12:00"))
    monday = berlin.next_slot(friday.at)
    assert friday.at == at("2026-03-27T07:00")
    assert monday.at == at("2026-03-30T06:00")
    assert monday.at.astimezone(zone("Europe/Berlin")).hour == 8


def test_an_hour_the_clocks_skip_is_delivered_right_after_the_gap() -> None:
    # New York skips 02:00-03:00 on Sunday 2026-03-08.
    weekly = Schedule("weekly", 2, 6, "America/New_York")
    slot = weekly.next_slot(at("2026-03-05T00:00"))
    assert slot.key == "2026-03-08"
    assert slot.at == at("2026-03-08T07:00")  # 03:00 EDT, the first instant after the gap


def test_an_hour_the_clocks_repeat_is_delivered_once() -> None:
    # New York repeats 01:00-02:00 on Sunday 2026-11-01.
    weekly = Schedule("weekly", 1, 6, "America/New_York")
    first = weekly.next_slot(at("2026-10-30T00:00"))
    assert first.at == at("2026-11-01T05:00")  # the first 01:00 (EDT)
    following = weekly.next_slot(first.at)
    assert following.key == "2026-11-08"  # not the second 01:00 an hour later


def test_fall_back_moves_the_utc_time_of_a_daily_digest() -> None:
    london = Schedule("daily", 9, 0, "Europe/London")
    friday = london.next_slot(at("2026-10-22T12:00"))
    monday = london.next_slot(friday.at)
    assert friday.at == at("2026-10-23T08:00")  # BST
    assert monday.at == at("2026-10-26T09:00")  # GMT


def test_after_downtime_the_missed_slots_fold_into_the_latest() -> None:
    utc = Schedule("daily", 8, 0, "UTC")
    back_on = at("2026-01-15T11:00")  # down since Monday
    assert utc.due_slot(back_on).key == "2026-01-15"
    assert utc.latest_slot(at("2026-01-15T07:59")).key == "2026-01-14"
    assert utc.latest_slot(at("2026-01-17T12:00")).key == "2026-01-16"  # Saturday: Friday's


@pytest.mark.parametrize("name", ["Mars/Olympus", "../etc/passwd", ""])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        zone(name)
