"""A program's feedback rules: its own settings, or the service's defaults when it has none.

Pure code (no I/O): `queries.rules_for` reads a program's row into `FeedbackRules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from feedback.config import FeedbackSettings
from feedback.forms import DEFAULT_CHECKIN_FORM, DEFAULT_CLOSEOUT_FORM, Question


@dataclass(frozen=True)
class FeedbackRules:
    """How one program collects feedback and when its matches count as at risk."""

    feedback_due_hours: int
    at_risk_threshold: float
    recovery_margin: float
    checkin_questions: list[Question] = field(default_factory=lambda: list(DEFAULT_CHECKIN_FORM))
    closeout_questions: list[Question] = field(default_factory=lambda: list(DEFAULT_CLOSEOUT_FORM))
    version: int = 0  # 0: the program has no settings of its own yet

    @classmethod
    def defaults(cls, settings: FeedbackSettings) -> FeedbackRules:
        return cls(
            feedback_due_hours=settings.default_feedback_due_hours,
            at_risk_threshold=settings.default_at_risk_threshold,
            recovery_margin=settings.default_recovery_margin,
        )

    @classmethod
    def stored(cls, row: Mapping[str, Any]) -> FeedbackRules:
        """The rules a program's settings row holds."""
        return cls(
            feedback_due_hours=row["feedback_due_hours"],
            at_risk_threshold=row["at_risk_threshold"],
            recovery_margin=row["recovery_margin"],
            checkin_questions=[Question.model_validate(q) for q in row["checkin_questions"]],
            closeout_questions=[Question.model_validate(q) for q in row["closeout_questions"]],
            version=row["version"],
        )
