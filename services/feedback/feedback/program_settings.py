"""A program's feedback settings: its own row, or the service's defaults when it has none."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select

from feedback.config import FeedbackSettings
from feedback.forms import DEFAULT_CHECKIN_FORM, DEFAULT_CLOSEOUT_FORM, Question
from feedback.models import SETTINGS
from feedback.store import Executor


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


async def rules_for(db: Executor, *, program_id: uuid.UUID, settings: FeedbackSettings) -> FeedbackRules:
    row = (await db.execute(select(SETTINGS).where(SETTINGS.c.program_id == program_id))).first()
    if row is None:
        return FeedbackRules.defaults(settings)
    return FeedbackRules(
        feedback_due_hours=row.feedback_due_hours,
        at_risk_threshold=row.at_risk_threshold,
        recovery_margin=row.recovery_margin,
        checkin_questions=[Question.model_validate(q) for q in row.checkin_questions],
        closeout_questions=[Question.model_validate(q) for q in row.closeout_questions],
        version=row.version,
    )
