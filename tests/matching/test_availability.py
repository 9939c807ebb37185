"""Availability in UTC over the coming weeks: DST-correct, with overrides and whole sessions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matching import availability
from matching.availability import (
    SLOTS_PER_WEEK,
    Horizon,
    WeeklyAvailability,
    common_windows,
    describe_interval,
    free_slots,
    pattern_overlap,
    patterns,
)

# Europe moves its clocks on 2027-03-28, the United States on 2027-03-14, India never.
SPRING_2027 = Horizon.after(dt.datetime(2027, 3, 10, tzinfo=dt.UTC), weeks=4)
TUESDAY = 1


def utc_hours(person: WeeklyAvailability, horizon: Horizon = SPRING_2027) -> list[str]:
    free = free_slots(person, horizon)
    starts = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(np.int8)])) == 1)
    return [horizon.slot_time(int(slot)).strftime("%m-%d %H:%M") for slot in starts]


def test_horizon_starts_on_the_next_monday_in_utc() -> None:
    assert SPRING_2027.start == dt.datetime(2027, 3, 15, tzinfo=dt.UTC)
    assert SPRING_2027.end == dt.datetime(2027, 4, 12, tzinfo=dt.UTC)


def test_a_berlin_window_moves_one_hour_earlier_in_utc_when_europe_springs_forward() -> None:
    berlin = WeeklyAvailability("Europe/Berlin", ((TUESDAY, 9 * 60, 11 * 60),))
    assert utc_hours(berlin) == ["03-16 08:00", "03-23 08:00", "03-30 07:00", "04-06 07:00"]


def test_kathmandu_quarter_hour_offset_is_exact() -> None:
    kathmandu = WeeklyAvailability("Asia/Kathmandu", ((TUESDAY, 9 * 60, 10 * 60),))
    assert utc_hours(kathmandu)[0] == "03-16 03:15"


def test_overlap_averages_the_weeks_before_and_after_a_dst_change() -> None:
    berlin = WeeklyAvailability("Europe/Berlin", ((TUESDAY, 9 * 60, 11 * 60),))
    kolkata = WeeklyAvailability("Asia/Kolkata", ((TUESDAY, 13 * 60 + 30, 15 * 60 + 30),))
    mentees = patterns([berlin], SPRING_2027, session_minutes=60)
    mentors = patterns([kolkata], SPRING_2027, session_minutes=60)

    overlap = pattern_overlap(mentees, mentors)

    # 2 h a week while Berlin is on CET, 1 h once it is on CEST: (2 + 2 + 1 + 1) / 4 weeks.
    assert overlap.weekly_minutes(np.array([0]), np.array([0]))[0] == 90
    assert overlap.session_weeks[0, 0] == 4
    [(start, end)] = common_windows(berlin, kolkata, SPRING_2027)
    assert describe_interval(start, end, "Europe/Berlin") == "Tue 09:00\u201311:00 Berlin"
    assert describe_interval(start, end, "Asia/Kolkata") == "Tue 13:30\u201315:30 Kolkata"


def test_a_session_must_fit_whole_in_the_common_time() -> None:
    early = WeeklyAvailability("UTC", ((TUESDAY, 9 * 60, 10 * 60),))
    late = WeeklyAvailability("UTC", ((TUESDAY, 9 * 60 + 30, 11 * 60),))
    for minutes, fits in ((30, 4), (45, 0)):
        overlap = pattern_overlap(
            patterns([early], SPRING_2027, session_minutes=minutes),
            patterns([late], SPRING_2027, session_minutes=minutes),
        )
        assert overlap.session_weeks[0, 0] == fits


def test_local_times_skipped_by_the_clock_change_are_not_available() -> None:
    night = WeeklyAvailability("Europe/Berlin", ((6, 1 * 60, 4 * 60),))  # Sundays 01:00-04:00
    free = free_slots(night, SPRING_2027)
    weeks = free.reshape(SPRING_2027.weeks, SLOTS_PER_WEEK).sum(axis=1)
    assert list(weeks * 15 / 60) == [3, 2, 3, 3]  # Sunday 2027-03-28 (week 2) has no 02:00-03:00 in Berlin


def test_a_dated_override_replaces_the_weekly_windows_of_that_day() -> None:
    holiday = WeeklyAvailability(
        "Europe/Paris",
        ((TUESDAY, 9 * 60, 11 * 60),),
        overrides=((dt.date(2027, 3, 23), ()), (dt.date(2027, 3, 30), ((14 * 60, 15 * 60),))),
    )
    assert utc_hours(holiday) == ["03-16 08:00", "03-30 12:00", "04-06 07:00"]


def test_people_sharing_zone_and_windows_share_one_pattern() -> None:
    template = WeeklyAvailability("America/New_York", ((0, 9 * 60, 12 * 60),))
    other = WeeklyAvailability("America/Chicago", ((0, 9 * 60, 12 * 60),))
    group = patterns([template, other, template], SPRING_2027, session_minutes=60)
    assert group.count == 2 and list(group.index) == [0, 1, 0]


@pytest.mark.parametrize("mentees", [1, 12])
def test_packed_popcounts_and_matrix_products_agree(mentees: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    zones = ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Australia/Sydney", "UTC"]

    def someone() -> WeeklyAvailability:
        windows = tuple(
            (int(rng.integers(7)), start, start + int(rng.integers(2, 12)) * 15)
            for start in sorted(int(rng.integers(0, 80)) * 15 for _ in range(2))
        )
        return WeeklyAvailability(zones[int(rng.integers(len(zones)))], windows)

    left = patterns([someone() for _ in range(mentees)], SPRING_2027, session_minutes=45)
    right = patterns([someone() for _ in range(30)], SPRING_2027, session_minutes=45)
    monkeypatch.setattr(availability, "SMALL_SIDE", 100)
    packed = pattern_overlap(left, right)
    monkeypatch.setattr(availability, "SMALL_SIDE", 0)
    products = pattern_overlap(left, right)
    assert (packed.common_slots == products.common_slots).all()
    assert (packed.session_weeks == products.session_weeks).all()
