"""Common slots across time zones and DST (pure code), each case by name, with a frozen clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from scheduling.availability import Availability, Window
from scheduling.slots import Refusal, SlotRules, booking_refusal, common_slots, first_common_slot

HOUR = timedelta(hours=1)


def person(time_zone: str, *windows: tuple[int, str, str], overrides: Sequence[dict] = ()) -> Availability:
    """Someone in `time_zone` available on (weekday, start, end) local windows."""
    return Availability.from_profile(
        time_zone=time_zone,
        availability=[{"weekday": day, "start": start, "end": end} for day, start, end in windows],
        overrides=overrides,
    )


def every_day(time_zone: str, start: str, end: str) -> Availability:
    return person(time_zone, *((day, start, end) for day in range(7)))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def starts(
    people: Sequence[Availability],
    *,
    on: date | tuple[datetime, datetime],
    length: int = 30,
    grid: int = 30,
    buffer: int = 0,
    blocked: Sequence[tuple[datetime, datetime]] = (),
    grid_zone: str | None = None,
    notice: timedelta = timedelta(0),
    horizon: timedelta = timedelta(days=400),
) -> list[datetime]:
    """Slot starts (UTC) in a window, with `now` from the (frozen) clock."""
    if isinstance(on, date):
        window = (
            datetime(on.year, on.month, on.day, tzinfo=UTC) - 14 * HOUR,
            datetime(on.year, on.month, on.day, tzinfo=UTC) + 38 * HOUR,
        )
    else:
        window = on
    slots = common_slots(
        people,
        window_start=window[0],
        window_end=window[1],
        blocked=blocked,
        rules=SlotRules(
            length=timedelta(minutes=length),
            grid=timedelta(minutes=grid),
            buffer=timedelta(minutes=buffer),
            minimum_notice=notice,
            horizon=horizon,
        ),
        now=datetime.now(UTC),
        grid_zone=grid_zone or people[0].time_zone,
    )
    for slot in slots:
        assert slot.end - slot.start == timedelta(minutes=length)
    return [slot.start for slot in slots]


# --- DST --------------------------------------------------------------------------------------------


@time_machine.travel(utc(2026, 3, 1), tick=False)
def test_window_starting_in_the_spring_forward_gap_opens_when_the_gap_ends() -> None:
    # New York skips 02:00-03:00 on 8 March 2026; a 02:30-04:00 window really is 03:00-04:00 EDT.
    new_york = person("America/New_York", (6, "02:30", "04:00"))
    assert starts([new_york], on=date(2026, 3, 8)) == [utc(2026, 3, 8, 7), utc(2026, 3, 8, 7, 30)]


@time_machine.travel(utc(2026, 3, 1), tick=False)
def test_window_ending_in_the_spring_forward_gap_closes_when_the_gap_begins() -> None:
    new_york = person("America/New_York", (6, "01:00", "02:30"))
    # 01:00-02:00 EST is 06:00-07:00 UTC; 02:00-02:30 never happens that night.
    assert starts([new_york], on=date(2026, 3, 8)) == [utc(2026, 3, 8, 6), utc(2026, 3, 8, 6, 30)]


@time_machine.travel(utc(2026, 10, 20), tick=False)
def test_window_over_the_fall_back_hour_covers_both_of_its_occurrences() -> None:
    # New York lives 01:00-02:00 twice on 1 November 2026: first in EDT, then in EST.
    new_york = person("America/New_York", (6, "01:00", "02:00"))
    assert starts([new_york], on=date(2026, 11, 1)) == [
        utc(2026, 11, 1, 5),  # 01:00 EDT
        utc(2026, 11, 1, 5, 30),  # 01:30 EDT
        utc(2026, 11, 1, 6),  # 01:00 EST
        utc(2026, 11, 1, 6, 30),  # 01:30 EST
    ]


@time_machine.travel(utc(2026, 10, 20), tick=False)
def test_window_ending_inside_the_repeated_hour_excludes_the_wall_times_after_its_end() -> None:
    # 00:00-01:30 local: 01:30-02:00 EDT is outside the window, 01:00-01:30 EST is inside again.
    new_york = person("America/New_York", (6, "00:00", "01:30"))
    assert starts([new_york], on=date(2026, 11, 1)) == [
        utc(2026, 11, 1, 4),
        utc(2026, 11, 1, 4, 30),
        utc(2026, 11, 1, 5),
        utc(2026, 11, 1, 6),
    ]


@time_machine.travel(utc(2026, 2, 20), tick=False)
def test_europe_and_the_us_changing_on_different_dates_move_the_common_slot_for_three_weeks() -> None:
    paris = person("Europe/Paris", *((day, "16:00", "18:00") for day in range(5)))
    new_york = person("America/New_York", *((day, "11:00", "12:00") for day in range(5)))
    common = {
        day: starts(
            [paris, new_york],
            on=(utc(day.year, day.month, day.day), utc(day.year, day.month, day.day, 23)),
            length=60,
            grid=60,
        )
        for day in (date(2026, 3, 4), date(2026, 3, 11), date(2026, 4, 1))
    }
    assert common[date(2026, 3, 4)] == [utc(2026, 3, 4, 16)]  # both on winter time: 17:00 in Paris
    assert common[date(2026, 3, 11)] == [utc(2026, 3, 11, 15)]  # US on summer time, Europe not yet: 16:00
    assert common[date(2026, 4, 1)] == [utc(2026, 4, 1, 15)]  # both on summer time: 17:00 again


@time_machine.travel(utc(2026, 3, 25), tick=False)
def test_southern_hemisphere_zones_fall_back_in_april() -> None:
    sydney = every_day("Australia/Sydney", "08:00", "09:00")
    santiago = every_day("America/Santiago", "09:00", "10:00")
    # Sydney goes from UTC+11 to UTC+10 on 5 April, Santiago from UTC-3 to UTC-4.
    assert starts([sydney], on=(utc(2026, 4, 3), utc(2026, 4, 4)), length=60, grid=60) == [
        utc(2026, 4, 3, 21)
    ]
    assert starts([sydney], on=(utc(2026, 4, 6), utc(2026, 4, 7)), length=60, grid=60) == [
        utc(2026, 4, 6, 22)
    ]
    assert starts([santiago], on=(utc(2026, 4, 3), utc(2026, 4, 4)), length=60, grid=60) == [
        utc(2026, 4, 3, 12)
    ]
    assert starts([santiago], on=(utc(2026, 4, 6), utc(2026, 4, 7)), length=60, grid=60) == [
        utc(2026, 4, 6, 13)
    ]


@time_machine.travel(utc(2026, 8, 25), tick=False)
def test_southern_hemisphere_spring_forward_gaps_in_september_and_october() -> None:
    # Santiago skips 00:00-01:00 on 6 September; Sydney skips 02:00-03:00 on 4 October.
    santiago = person("America/Santiago", (6, "00:00", "02:00"))
    sydney = person("Australia/Sydney", (6, "02:00", "04:00"))
    assert starts([santiago], on=date(2026, 9, 6), length=60, grid=60) == [utc(2026, 9, 6, 4)]
    assert starts([sydney], on=date(2026, 10, 4), length=60, grid=60) == [utc(2026, 10, 3, 16)]


@time_machine.travel(utc(2026, 3, 25), tick=False)
def test_a_london_sydney_pair_loses_an_hour_of_overlap_each_weekend_the_clocks_change() -> None:
    london = every_day("Europe/London", "20:00", "23:00")
    sydney = every_day("Australia/Sydney", "07:00", "09:00")
    week = {
        label: starts([london, sydney], on=window, length=60, grid=60)
        for label, window in {
            "both on old time": (utc(2026, 3, 26, 12), utc(2026, 3, 27, 12)),
            "London on summer time": (utc(2026, 4, 1, 12), utc(2026, 4, 2, 12)),
            "Sydney on winter time too": (utc(2026, 4, 8, 12), utc(2026, 4, 9, 12)),
        }.items()
    }
    assert week["both on old time"] == [utc(2026, 3, 26, 20), utc(2026, 3, 26, 21)]
    assert week["London on summer time"] == [utc(2026, 4, 1, 20), utc(2026, 4, 1, 21)]
    assert week["Sydney on winter time too"] == [utc(2026, 4, 8, 21)]


@time_machine.travel(utc(2026, 3, 25), tick=False)
def test_lord_howe_island_shifts_by_half_an_hour() -> None:
    lord_howe = every_day("Australia/Lord_Howe", "09:00", "10:00")
    assert starts([lord_howe], on=(utc(2026, 4, 3), utc(2026, 4, 4)), length=60) == [utc(2026, 4, 3, 22)]
    assert starts([lord_howe], on=(utc(2026, 4, 6), utc(2026, 4, 7)), length=60) == [utc(2026, 4, 6, 22, 30)]


# --- 30- and 45-minute offsets ---------------------------------------------------------------------


@time_machine.travel(utc(2026, 3, 1), tick=False)
def test_the_grid_follows_the_local_clock_in_a_quarter_hour_zone() -> None:
    kathmandu = every_day("Asia/Kathmandu", "09:00", "11:00")  # UTC+05:45
    assert starts([kathmandu], on=(utc(2026, 3, 2), utc(2026, 3, 3)), length=60) == [
        utc(2026, 3, 2, 3, 15),  # 09:00 local
        utc(2026, 3, 2, 3, 45),  # 09:30
        utc(2026, 3, 2, 4, 15),  # 10:00
    ]


@time_machine.travel(utc(2026, 3, 1), tick=False)
def test_eucla_and_kolkata_meet_on_eucla_quarter_hours() -> None:
    eucla = every_day("Australia/Eucla", "12:00", "14:00")  # UTC+08:45: 03:15-05:15 UTC
    kolkata = every_day("Asia/Kolkata", "09:00", "10:30")  # UTC+05:30: 03:30-05:00 UTC
    assert starts([eucla, kolkata], on=(utc(2026, 3, 2), utc(2026, 3, 3)), length=60, grid=15) == [
        utc(2026, 3, 2, 3, 30),
        utc(2026, 3, 2, 3, 45),
        utc(2026, 3, 2, 4),
    ]


@time_machine.travel(utc(2026, 9, 20), tick=False)
def test_adelaide_springs_forward_from_half_past_to_half_past() -> None:
    # UTC+09:30 -> +10:30 on 4 October: a 02:00-04:00 window opens at 03:00 ACDT (16:30 UTC).
    adelaide = person("Australia/Adelaide", (6, "02:00", "04:00"))
    assert starts([adelaide], on=date(2026, 10, 4), length=60) == [utc(2026, 10, 3, 16, 30)]


# --- rules: notice, horizon, buffers, overrides ------------------------------------------------------


@time_machine.travel(utc(2026, 3, 2, 9, 10), tick=False)
def test_minimum_notice_hides_slots_starting_too_soon() -> None:
    london = every_day("Europe/London", "09:00", "13:00")
    found = starts([london], on=(utc(2026, 3, 2), utc(2026, 3, 3)), length=60, notice=2 * HOUR)
    assert found[0] == utc(2026, 3, 2, 11, 30)


@time_machine.travel(utc(2026, 3, 2), tick=False)
def test_the_booking_horizon_hides_slots_too_far_ahead() -> None:
    london = every_day("Europe/London", "09:00", "10:00")
    found = starts([london], on=(utc(2026, 3, 2), utc(2026, 3, 20)), length=60, horizon=timedelta(days=5))
    assert found[-1] == utc(2026, 3, 6, 9)


@time_machine.travel(utc(2026, 3, 1), tick=False)
def test_existing_sessions_keep_their_buffer_on_both_sides() -> None:
    london = every_day("Europe/London", "09:00", "13:00")
    # Booked 10:00-11:00 with a 15-minute buffer after: blocked until 11:15.
    found = starts(
        [london],
        on=(utc(2026, 3, 2), utc(2026, 3, 3)),
        length=60,
        grid=15,
        buffer=15,
        blocked=[(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11, 15))],
    )
    # Before it, a slot must end by 09:45 (keeping its own buffer): nothing fits after 09:00.
    assert found == [
        utc(2026, 3, 2, 11, 15),
        utc(2026, 3, 2, 11, 30),
        utc(2026, 3, 2, 11, 45),
        utc(2026, 3, 2, 12),
    ]


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_a_dated_override_replaces_that_days_windows() -> None:
    berlin = every_day("Europe/Berlin", "09:00", "17:00")
    berlin = Availability(
        time_zone=berlin.time_zone,
        weekly=berlin.weekly,
        overrides={date(2026, 12, 24): (), date(2026, 12, 23): (Window.parse("14:00", "15:00"),)},
    )
    assert starts([berlin], on=(utc(2026, 12, 24), utc(2026, 12, 25)), length=60) == []
    assert starts([berlin], on=(utc(2026, 12, 23), utc(2026, 12, 24)), length=60) == [utc(2026, 12, 23, 13)]


@time_machine.travel(utc(2026, 3, 1), tick=False)
def test_people_without_common_time_have_no_slots() -> None:
    tokyo = every_day("Asia/Tokyo", "09:00", "17:00")
    los_angeles = every_day("America/Los_Angeles", "09:00", "16:00")  # ends as Tokyo's day begins
    assert starts([tokyo, los_angeles], on=(utc(2026, 3, 2), utc(2026, 3, 9)), length=60) == []


@time_machine.travel(utc(2026, 3, 1), tick=False)
def test_the_first_common_slot_after_a_cadence_is_found() -> None:
    london = person("Europe/London", (2, "15:00", "16:00"))  # Wednesdays
    slot = first_common_slot(
        [london],
        after=utc(2026, 3, 5),
        within=timedelta(days=7),
        blocked=(),
        rules=SlotRules(length=HOUR),
        now=datetime.now(UTC),
        grid_zone="Europe/London",
    )
    assert slot is not None and slot.start == utc(2026, 3, 11, 15)


@time_machine.travel(utc(2026, 3, 2, 8), tick=False)
@pytest.mark.parametrize(
    ("start", "refusal"),
    [
        (utc(2026, 3, 2, 8, 30), Refusal.TOO_SOON),
        (utc(2026, 6, 1, 10), Refusal.TOO_FAR),
        (utc(2026, 3, 2, 10, 5), Refusal.OFF_GRID),
        (utc(2026, 3, 2, 20), Refusal.UNAVAILABLE),
        (utc(2026, 3, 2, 10), Refusal.CONFLICT),
        (utc(2026, 3, 2, 11, 30), None),
    ],
)
def test_a_booking_is_refused_for_the_first_rule_it_breaks(start: datetime, refusal: Refusal | None) -> None:
    london = every_day("Europe/London", "09:00", "17:00")
    rules = SlotRules(
        length=HOUR,
        grid=timedelta(minutes=15),
        buffer=timedelta(minutes=30),
        minimum_notice=HOUR,
        horizon=timedelta(days=30),
    )
    blocked = [(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11, 30))]
    assert (
        booking_refusal(
            [london],
            start=start,
            blocked=blocked,
            rules=rules,
            now=datetime.now(UTC),
            grid_zone="Europe/London",
        )
        is refusal
    )
