"""Whether, where and when a person is told something (pure): channels per kind, muting, digests,
and quiet hours in the person's own zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from notifications.delivery_rules import (
    Choices,
    Digest,
    digest,
    in_quiet_hours,
    media,
    next_allowed,
    next_digest,
)
from notifications.dispatcher import RateLimiter
from notifications.kinds import KINDS, Medium

PARIS = ZoneInfo("Europe/Paris")
NIGHTS = Choices(quiet_start=time(22, 0), quiet_end=time(7, 0))


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def test_a_kind_goes_to_its_default_channels_until_the_person_chooses() -> None:
    booked = KINDS["session_booked"]
    assert media(booked, Choices(), critical_when_muted=False) == {Medium.EMAIL, Medium.CHAT, Medium.INBOX}
    chosen = Choices(kinds={"session_booked": {"channels": {"email": False, "chat": None}}})
    assert media(booked, chosen, critical_when_muted=False) == {Medium.CHAT, Medium.INBOX}


def test_muting_everything_lets_session_changes_through_only_when_the_organization_requires() -> None:
    muted = Choices(muted=True)
    assert media(KINDS["session_booked"], muted, critical_when_muted=False) == set()
    assert media(KINDS["session_canceled"], muted, critical_when_muted=True) == set(
        KINDS["session_canceled"].default_media
    )
    assert media(KINDS["match_proposed"], muted, critical_when_muted=True) == set()


def test_only_low_urgency_kinds_wait_for_a_digest() -> None:
    chosen = Choices(
        kinds={"feedback_requested": {"digest": "weekly"}, "session_booked": {"digest": "daily"}}
    )
    assert digest(KINDS["feedback_requested"], chosen) is Digest.WEEKLY
    assert digest(KINDS["session_booked"], chosen) is Digest.OFF


def test_quiet_hours_may_span_midnight() -> None:
    assert in_quiet_hours(time(23, 30), time(22), time(7))
    assert in_quiet_hours(time(6, 59), time(22), time(7))
    assert not in_quiet_hours(time(7, 0), time(22), time(7))
    assert in_quiet_hours(time(13, 0), time(12), time(14)) and not in_quiet_hours(
        time(15, 0), time(12), time(14)
    )


def test_a_message_in_quiet_hours_waits_for_their_end_in_the_persons_zone() -> None:
    late = paris(2026, 1, 14, 23, 30).astimezone(UTC)
    assert next_allowed(late, time_zone="Europe/Paris", choices=NIGHTS) == paris(2026, 1, 15, 7, 0)
    daytime = paris(2026, 1, 14, 12, 0).astimezone(UTC)
    assert next_allowed(daytime, time_zone="Europe/Paris", choices=NIGHTS) == daytime


def test_quiet_hours_end_at_seven_local_time_across_the_spring_dst_change() -> None:
    # The night of 28-29 March 2026 loses an hour in Paris: 07:00 is 05:00 UTC, not 06:00.
    before = paris(2026, 3, 28, 23, 0).astimezone(UTC)
    released = next_allowed(before, time_zone="Europe/Paris", choices=NIGHTS)
    assert released == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    assert released.astimezone(PARIS).hour == 7


def test_quiet_hours_end_at_seven_local_time_across_the_autumn_dst_change() -> None:
    before = paris(2026, 10, 24, 23, 0).astimezone(UTC)
    assert next_allowed(before, time_zone="Europe/Paris", choices=NIGHTS) == datetime(
        2026, 10, 25, 6, 0, tzinfo=UTC
    )


def test_digests_go_out_at_eight_local_time_daily_or_on_mondays() -> None:
    wednesday = paris(2026, 3, 25, 9, 0).astimezone(UTC)
    daily = next_digest(wednesday, period=Digest.DAILY, time_zone="Europe/Paris", choices=Choices())
    assert daily == paris(2026, 3, 26, 8, 0)
    weekly = next_digest(wednesday, period=Digest.WEEKLY, time_zone="Europe/Paris", choices=Choices())
    assert weekly == paris(2026, 3, 30, 8, 0) and weekly.astimezone(UTC).hour == 6  # after the DST change
    early = Choices(quiet_start=time(21), quiet_end=time(9))
    assert next_digest(wednesday, period=Digest.DAILY, time_zone="Europe/Paris", choices=early) == paris(
        2026, 3, 26, 9, 0
    )


def test_an_organization_over_its_rate_waits_for_room_and_others_are_not_held_up() -> None:
    limiter = RateLimiter()
    assert [limiter.wait("bulk-import", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert 59.0 < limiter.wait("bulk-import", 3) <= 60.0  # the oldest of the minute must age out first
    assert limiter.wait("another-org", 3) == 0.0
