"""The platform's clock: one definition of "now", always timezone-aware UTC.

Tests freeze or move it with time-machine, which patches `datetime.now` underneath.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC (aware)."""
    return datetime.now(UTC)
