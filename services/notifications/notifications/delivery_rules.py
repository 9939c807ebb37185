"""Whether, where and when a person is told something: their choices applied to a kind. Pure code.

- channels: the person's choice per kind, else the kind's defaults; a person who muted everything
  gets nothing, except critical kinds (session changes) when their organization requires those;
- digest: low-urgency kinds may wait for a daily or weekly digest (email only: the inbox and chat
  are not interrupting enough to batch);
- quiet hours: a window of the person's own wall-clock time (it may span midnight) during which
  nothing interrupts them; a message due inside it goes out when it ends, computed in their zone
  so a DST change moves the UTC instant, not the local hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from notifications.kinds import Kind, Medium, Urgency


class Digest(StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


# Digests go out at this local time (on Mondays for weekly ones).
DIGEST_TIME = time(8, 0)


@dataclass(frozen=True)
class Choices:
    """A person's preferences as stored (`kinds`: kind -> {"channels": {...}, "digest": ...})."""

    kinds: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    quiet_start: time | None = None
    quiet_end: time | None = None
    muted: bool = False


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return ZoneInfo("UTC")


def media(kind: Kind, choices: Choices, *, critical_when_muted: bool) -> frozenset[Medium]:
    """The media the person hears about `kind` on."""
    if choices.muted and not (kind.critical and critical_when_muted):
        return frozenset()
    chosen = choices.kinds.get(kind.name, {}).get("channels") or {}

    def wanted(medium: Medium) -> bool:
        value = chosen.get(medium.value)
        return medium in kind.default_media if value is None else value is True

    return frozenset(medium for medium in Medium if wanted(medium))


def digest(kind: Kind, choices: Choices) -> Digest:
    """The digest a low-urgency kind waits for (OFF for urgent kinds whatever was chosen)."""
    if kind.urgency is not Urgency.LOW:
        return Digest.OFF
    return Digest(choices.kinds.get(kind.name, {}).get("digest", Digest.OFF.value))


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def _at(day: datetime, wall: time, tz: ZoneInfo) -> datetime:
    """The instant the clock in `tz` shows `wall` on `day`'s date (after a spring-forward gap, the
    first instant past it)."""
    return datetime.combine(day.date(), wall, tzinfo=tz)


def next_allowed(moment: datetime, *, time_zone: str, choices: Choices) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (as a UTC-aware instant)."""
    start, end = choices.quiet_start, choices.quiet_end
    if start is None or end is None:
        return moment
    tz = zone(time_zone)
    local = moment.astimezone(tz)
    if not in_quiet_hours(local.time(), start, end):
        return moment
    ends = _at(local, end, tz)
    if ends <= local:
        ends = _at(local + timedelta(days=1), end, tz)
    return ends.astimezone(moment.tzinfo)


def next_digest(moment: datetime, *, period: Digest, time_zone: str, choices: Choices) -> datetime:
    """When the digest that a notification arriving at `moment` joins goes out."""
    tz = zone(time_zone)
    local = moment.astimezone(tz)
    due = _at(local, DIGEST_TIME, tz)
    if due <= local:
        due = _at(local + timedelta(days=1), DIGEST_TIME, tz)
    if period is Digest.WEEKLY:
        due = _at(due + timedelta(days=(7 - due.weekday()) % 7), DIGEST_TIME, tz)
    return next_allowed(due.astimezone(moment.tzinfo), time_zone=time_zone, choices=choices)
