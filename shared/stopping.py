"""Waiting that gives way to shutdown: every loop of a worker sleeps through these."""

from __future__ import annotations

import asyncio
import contextlib


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0.0))


async def first_of(*events: asyncio.Event) -> None:
    """Return as soon as any of `events` is set."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def wait_for_wake(wake: asyncio.Event, stop: asyncio.Event, *, timeout: float) -> None:
    """Wait until `wake` or `stop` is set, or `timeout` seconds pass (a poll as fallback)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(first_of(wake, stop), timeout=timeout)
