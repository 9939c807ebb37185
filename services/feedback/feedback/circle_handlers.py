"""Consumers of the circle events feedback reads: matching's circles (members joining and leaving)
and scheduling's circle sessions (who attended which); `handlers.handlers_by_source` adds them to
the consumers of those streams."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from feedback.service.circles import apply_circle, apply_circle_session
from shared.consumer import Handlers
from shared.contracts.matching import CircleAccepted, CircleDeclined, CircleEnded, CircleMemberLeft
from shared.contracts.scheduling import (
    CircleSessionCanceled,
    CircleSessionCompleted,
    CircleSessionParticipantLeft,
    CircleSessionRescheduled,
    CircleSessionScheduled,
)
from shared.events import CloudEvent
from shared.locks import advisory_lock


def add_circle_handlers(*, matching: Handlers, scheduling: Handlers) -> None:
    """Register the circle consumers on the matching and scheduling handlers."""

    @matching.on(CircleAccepted, CircleMemberLeft, CircleEnded, CircleDeclined)
    async def on_circle(session: AsyncSession, envelope: CloudEvent, event: CircleAccepted) -> None:
        await advisory_lock(session, f"feedback.circle.{event.circle.id}")
        await apply_circle(session, event.circle)

    @scheduling.on(
        CircleSessionScheduled,
        CircleSessionRescheduled,
        CircleSessionCanceled,
        CircleSessionCompleted,
        CircleSessionParticipantLeft,
    )
    async def on_circle_session(
        session: AsyncSession, envelope: CloudEvent, event: CircleSessionCompleted
    ) -> None:
        await apply_circle_session(session, event.session)
