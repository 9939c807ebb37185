"""What happens after an outbound delivery attempt: done, retried later (and when), or given up.

One policy for everything the platform sends out (webhooks, chat messages), so an integrator
learns one schedule.

The published schedule: the first attempt is immediate, then retries after 5 s, 5 min, 30 min,
2 h, 5 h, 10 h, then daily while the total stays under about three days (9 attempts over ~65.6 h).
Waits get +/- jitter so a recovering endpoint is not hit by every retry at once. Only a 2xx is a
success; a 3xx is a failure (redirects are not followed); a 410 Gone gives up at once (the sender
stops sending to that endpoint). A `Retry-After` from the endpoint is honoured when it asks for a
longer wait than the schedule, up to the schedule's longest step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

PUBLISHED_SCHEDULE_SECONDS: tuple[float, ...] = (
    0.0,
    5.0,
    5 * 60.0,
    30 * 60.0,
    2 * 3600.0,
    5 * 3600.0,
    10 * 3600.0,
    24 * 3600.0,
    24 * 3600.0,
)


class Verdict(StrEnum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"
    GONE = "gone"  # 410: give up, and send nothing more to the endpoint
    EXHAUSTED = "exhausted"  # the schedule is used up


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    # Seconds until the next attempt (already scaled), when the verdict is RETRY.
    retry_in: float | None = None


def is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delay-seconds or an HTTP date); None if absent
    or unreadable. A date in the past means no wait (0). Whatever an endpoint sends, this never
    raises: delay-seconds are ASCII digits only (`str.isdigit` alone also takes "²" or "٣")."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(seconds, 0.0)


def jittered(delay: float, *, jitter: float, rng: random.Random | None = None) -> float:
    """`delay` moved by up to +/- `jitter` (a fraction of it)."""
    if delay <= 0 or jitter <= 0:
        return max(delay, 0.0)
    spread = (rng or random).uniform(-jitter, jitter)
    return delay * (1.0 + spread)


def decide(
    *,
    attempt: int,
    status_code: int | None,
    retry_after: float | None = None,
    schedule: tuple[float, ...] | list[float] = PUBLISHED_SCHEDULE_SECONDS,
    scale: float = 1.0,
    jitter: float = 0.2,
    rng: random.Random | None = None,
) -> Decision:
    """The outcome of attempt number `attempt` (1-based) that got `status_code` (None: no response).

    `schedule[n]` is the wait before attempt n + 1; attempts stop after `len(schedule)`.
    """
    if is_success(status_code):
        return Decision(Verdict.SUCCEEDED)
    if status_code == 410:
        return Decision(Verdict.GONE)
    if attempt >= len(schedule):
        return Decision(Verdict.EXHAUSTED)
    wait = jittered(schedule[attempt], jitter=jitter, rng=rng)
    if retry_after is not None:
        # Honour a longer wait the endpoint asked for, but never beyond the schedule's longest step.
        wait = max(wait, min(retry_after, max(schedule)))
    return Decision(Verdict.RETRY, retry_in=wait * scale)
