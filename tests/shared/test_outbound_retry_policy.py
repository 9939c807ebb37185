"""The retry schedule is the published one; only 2xx succeeds; 410 and exhaustion give up."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.outbound.retry_policy import (
    PUBLISHED_SCHEDULE_SECONDS,
    Verdict,
    decide,
    jittered,
    parse_retry_after,
)

NO_JITTER = {"jitter": 0.0}


def test_the_published_schedule_is_immediate_5s_5min_30min_2h_5h_10h_then_daily_for_about_3_days() -> None:
    hours = 3600
    assert (
        0,
        5,
        300,
        1800,
        2 * hours,
        5 * hours,
        10 * hours,
        24 * hours,
        24 * hours,
    ) == PUBLISHED_SCHEDULE_SECONDS
    total = sum(PUBLISHED_SCHEDULE_SECONDS)
    assert 2.5 * 24 * hours < total <= 3 * 24 * hours


def test_each_failed_attempt_waits_the_next_step_of_the_schedule() -> None:
    waits = [
        decide(attempt=attempt, status_code=500, **NO_JITTER).retry_in
        for attempt in range(1, len(PUBLISHED_SCHEDULE_SECONDS))
    ]
    assert waits == list(PUBLISHED_SCHEDULE_SECONDS[1:])


def test_after_the_last_attempt_the_delivery_is_exhausted() -> None:
    assert decide(attempt=len(PUBLISHED_SCHEDULE_SECONDS), status_code=500).verdict is Verdict.EXHAUSTED
    assert decide(attempt=3, status_code=None, schedule=[0, 1, 1]).verdict is Verdict.EXHAUSTED


@given(st.integers(min_value=100, max_value=599))
def test_only_2xx_is_a_success_and_410_gives_up_at_once(status: int) -> None:
    verdict = decide(attempt=1, status_code=status).verdict
    if 200 <= status < 300:
        assert verdict is Verdict.SUCCEEDED
    elif status == 410:
        assert verdict is Verdict.GONE
    else:
        assert verdict is Verdict.RETRY  # 3xx included: redirects are not followed


def test_no_response_is_retried() -> None:
    assert decide(attempt=1, status_code=None).verdict is Verdict.RETRY


@given(st.floats(min_value=0.1, max_value=1e6), st.floats(min_value=0, max_value=0.9), st.integers())
def test_jitter_stays_within_its_band(delay: float, jitter: float, seed: int) -> None:
    moved = jittered(delay, jitter=jitter, rng=random.Random(seed))
    assert delay * (1 - jitter) - 1e-9 <= moved <= delay * (1 + jitter) + 1e-9


def test_jitter_spreads_retries() -> None:
    rng = random.Random(1)
    waits = {decide(attempt=2, status_code=503, rng=rng).retry_in for _ in range(20)}
    assert len(waits) > 10


def test_a_longer_retry_after_is_honoured_up_to_the_longest_step() -> None:
    assert decide(attempt=1, status_code=503, retry_after=120, **NO_JITTER).retry_in == 120
    assert decide(attempt=3, status_code=429, retry_after=10, **NO_JITTER).retry_in == 1800
    assert decide(attempt=1, status_code=503, retry_after=10**9, **NO_JITTER).retry_in == 86400


def test_the_scale_shrinks_every_wait() -> None:
    assert decide(attempt=2, status_code=500, scale=1e-3, **NO_JITTER).retry_in == pytest.approx(0.3)
    assert decide(
        attempt=1, status_code=503, retry_after=100, scale=1e-3, **NO_JITTER
    ).retry_in == pytest.approx(0.1)


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(format_datetime(now + timedelta(minutes=2), usegmt=True), now=now) == 120
    assert parse_retry_after(format_datetime(now - timedelta(minutes=2), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_a_retry_after_that_is_not_ascii_digits_or_a_date_is_ignored_never_raised() -> None:
    # Header values arrive as latin-1: "\xb2" is "²", which str.isdigit() takes for a digit.
    for unreadable in ("\xb2", "\u0663", "12\xb2", "1e3", "-5", "", "Mon, 99 Foo 99999 99:99:99 GMT"):
        assert parse_retry_after(unreadable) is None, unreadable
