"""Times of day as the contracts write them (`HH:MM`, 24-hour, local time; `24:00` ends the day)."""

from __future__ import annotations

END_OF_DAY = 24 * 60


def minutes_of_day(hour_minute: str) -> int:
    """Minutes since local midnight of `HH:MM` (0 to 1440); ValueError for anything else."""
    hours, separator, minutes = hour_minute.partition(":")
    if not separator or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2:
        raise ValueError(f"not a time of day (HH:MM): {hour_minute!r}")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= END_OF_DAY or int(minutes) >= 60:
        raise ValueError(f"not a time of day (HH:MM): {hour_minute!r}")
    return value
