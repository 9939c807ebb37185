"""Programs needing attention: which of a live program's figures crossed their threshold.

Pure code (no I/O). Each threshold is a setting of the service (`FeedbackSettings.attention_*`),
named in the reason so an admin knows what to change when the bar is wrong for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    LOW_ENGAGEMENT = "low_engagement"
    AT_RISK = "at_risk"
    UNFILLED_CAPACITY = "unfilled_capacity"
    MENTOR_OVERLOAD = "mentor_overload"


@dataclass(frozen=True)
class Thresholds:
    min_engagement_ratio: float
    max_at_risk_share: float
    max_unfilled_capacity_share: float
    max_overloaded_mentors: int

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        return cls(
            min_engagement_ratio=settings.attention_min_engagement_ratio,
            max_at_risk_share=settings.attention_max_at_risk_share,
            max_unfilled_capacity_share=settings.attention_max_unfilled_capacity_share,
            max_overloaded_mentors=settings.attention_max_overloaded_mentors,
        )


@dataclass(frozen=True)
class Attention:
    reason: Reason
    value: float
    threshold: float
    setting: str
    explanation: str


def needs_attention(
    *,
    engagement_ratio: float | None,
    at_risk_share: float | None,
    unfilled_capacity_share: float | None,
    overloaded_mentors: int,
    thresholds: Thresholds,
) -> list[Attention]:
    """The reasons a live program needs attention (figures that cannot be computed raise none)."""
    found = []
    if engagement_ratio is not None and engagement_ratio < thresholds.min_engagement_ratio:
        found.append(
            Attention(
                Reason.LOW_ENGAGEMENT,
                engagement_ratio,
                thresholds.min_engagement_ratio,
                "ATTENTION_MIN_ENGAGEMENT_RATIO",
                "sessions held in the last 28 days are below this share of those the cadence plans",
            )
        )
    if at_risk_share is not None and at_risk_share > thresholds.max_at_risk_share:
        found.append(
            Attention(
                Reason.AT_RISK,
                at_risk_share,
                thresholds.max_at_risk_share,
                "ATTENTION_MAX_AT_RISK_SHARE",
                "the share of live matches at risk is above this",
            )
        )
    if (
        unfilled_capacity_share is not None
        and unfilled_capacity_share > thresholds.max_unfilled_capacity_share
    ):
        found.append(
            Attention(
                Reason.UNFILLED_CAPACITY,
                unfilled_capacity_share,
                thresholds.max_unfilled_capacity_share,
                "ATTENTION_MAX_UNFILLED_CAPACITY_SHARE",
                "the share of mentor places without a live match is above this",
            )
        )
    if overloaded_mentors > thresholds.max_overloaded_mentors:
        found.append(
            Attention(
                Reason.MENTOR_OVERLOAD,
                float(overloaded_mentors),
                float(thresholds.max_overloaded_mentors),
                "ATTENTION_MAX_OVERLOADED_MENTORS",
                "more mentors than this have more live matches than their capacity",
            )
        )
    return found
