"""What became of one attempt at sending, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Result(StrEnum):
    SENT = "sent"  # the server or service accepted it
    RETRY = "retry"  # not accepted, try again later (counts as an attempt)
    UNREACHABLE = "unreachable"  # the server could not be reached: try again, without counting
    BOUNCED = "bounced"  # refused for good
    FAILED = "failed"  # cannot succeed (refused destination, missing configuration, used-up retries)
    UNKNOWN = "unknown"  # the connection broke while the message was being handed over
    CANCELED = "canceled"  # nothing to send any more (person deactivated, channel removed)


@dataclass(frozen=True, slots=True)
class Attempt:
    result: Result
    detail: str  # the server's or the provider's answer, or why
    retry_in: float | None = None  # seconds, when the provider said (Retry-After) or the policy did
