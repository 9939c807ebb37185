"""Circles in feedback: the read model of matching's circles and scheduling's circle sessions, each
member's feedback on the sessions they attended, the circle's health, and the figures program
analytics reports about circles beside pairs.

A member's note is private to them: it lives in its own table and is never read by an aggregate,
an event or another person.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.circle_health import CircleEvidence, CircleHealth, MemberFeedback, assess
from feedback.models import (
    CIRCLE_FEEDBACK,
    CIRCLE_FEEDBACK_NOTES,
    CIRCLE_MEMBERS,
    CIRCLE_SESSIONS,
    CIRCLES,
    messaging,
)
from feedback.privacy import person_id_of
from shared.auth import Principal
from shared.constraints import Conflict, refusals_as_problems
from shared.contracts.feedback import CircleFeedbackState, CircleFeedbackSubmitted
from shared.contracts.matching import CircleState, CircleStatus
from shared.contracts.scheduling import CircleSessionState, ParticipantStatus, SessionStatus
from shared.errors import Problem, invalid_field, not_found
from shared.outbox import Outbox
from shared.read_models import upsert_circle_members, upsert_if_newer

OUTBOX = Outbox(messaging.outbox)
ANSWERED = Conflict(None, "you already gave feedback on this session", slug="feedback-already-submitted")
_CONFLICTS = {"uq_circle_feedback_session_id_respondent_id": ANSWERED}
FACILITATOR = "facilitator"


# -- read models ---------------------------------------------------------------------------------------


async def apply_circle(session: AsyncSession, circle: CircleState) -> None:
    """A circle's latest state and its members (accepted, member left, ended, declined)."""
    running = circle.status == CircleStatus.ACCEPTED
    applied = await upsert_if_newer(
        session,
        CIRCLES,
        {
            "id": circle.id,
            "organization": circle.organization,
            "program_id": circle.program_id,
            "topic": circle.topic,
            "status": circle.status.value,
            "started_at": circle.updated_at if running else circle.created_at,
            "version": circle.version,
        },
        key=["id"],
    )
    if applied:
        await upsert_circle_members(session, CIRCLE_MEMBERS, circle)


async def apply_circle_session(session: AsyncSession, state: CircleSessionState) -> None:
    """A circle session's latest state: who attends it (those who left the circle left out)."""
    await upsert_if_newer(
        session,
        CIRCLE_SESSIONS,
        {
            "id": state.id,
            "organization": state.organization,
            "circle_id": state.circle_id,
            "program_id": state.program_id,
            "status": state.status.value,
            "start": state.start,
            "attendees": {
                str(item.person_id): item.role
                for item in state.participants
                if item.status == ParticipantStatus.ATTENDING
            },
            "version": state.version,
        },
        key=["id"],
    )


# -- access ------------------------------------------------------------------------------------------


async def circle_of(session: AsyncSession, caller: Principal, circle_id: uuid.UUID) -> Any:
    """The circle if the caller may see it (admins; its members, present or past), else 404."""
    circle = (
        await session.execute(
            select(CIRCLES).where(CIRCLES.c.id == circle_id, CIRCLES.c.organization == caller.organization)
        )
    ).first()
    if circle is None:
        raise not_found("circle")
    if caller.is_admin:
        return circle
    member = await _member(session, circle_id, person_id_of(caller))
    if member is None:
        raise not_found("circle")
    return circle


async def _member(session: AsyncSession, circle_id: uuid.UUID, person_id: uuid.UUID | None) -> Any:
    if person_id is None:
        return None
    return (
        await session.execute(
            select(CIRCLE_MEMBERS).where(
                CIRCLE_MEMBERS.c.circle_id == circle_id, CIRCLE_MEMBERS.c.person_id == person_id
            )
        )
    ).first()


# -- feedback ----------------------------------------------------------------------------------------


async def submit_circle_feedback(
    session: AsyncSession,
    *,
    caller: Principal,
    circle_id: uuid.UUID,
    session_id: uuid.UUID,
    rating: int,
    belonging: int,
    note: str | None,
    now: datetime,
) -> CircleFeedbackState:
    """A member (or facilitator) rates a completed circle session they attended, once."""
    circle = await circle_of(session, caller, circle_id)
    me = person_id_of(caller)
    if me is None:
        raise Problem(403, "feedback is given by the circle's members themselves")
    held = (
        await session.execute(
            select(CIRCLE_SESSIONS).where(
                CIRCLE_SESSIONS.c.id == session_id, CIRCLE_SESSIONS.c.circle_id == circle.id
            )
        )
    ).first()
    if held is None:
        raise invalid_field("session_id", "no session of this circle", kind="unknown_session")
    if held.status != SessionStatus.COMPLETED:
        raise Problem(409, "feedback is given once the session took place", slug="session-not-completed")
    role = held.attendees.get(str(me))
    if role is None:
        raise Problem(403, "only the members who attended the session give feedback on it")
    feedback = CircleFeedbackState(
        id=uuid.uuid4(),
        organization=circle.organization,
        program_id=circle.program_id,
        circle_id=circle.id,
        session_id=session_id,
        respondent_id=me,
        respondent_role=role,
        rating=rating,
        belonging=belonging,
        submitted_at=now,
    )
    # The whole use case fails on a second answer, so no savepoint is needed around the insert.
    with refusals_as_problems(_CONFLICTS):
        await session.execute(insert(CIRCLE_FEEDBACK).values(**feedback.model_dump()))
    if note:
        await session.execute(
            insert(CIRCLE_FEEDBACK_NOTES).values(
                feedback_id=feedback.id, organization=circle.organization, author_id=me, text=note
            )
        )
    await OUTBOX.add(
        session,
        CircleFeedbackSubmitted(feedback=feedback),
        organization=circle.organization,
        subject=str(circle.id),
    )
    return feedback


# -- health ----------------------------------------------------------------------------------------


async def circle_evidence(session: AsyncSession, circle_id: uuid.UUID, *, now: datetime) -> CircleEvidence:
    members = (
        await session.execute(select(CIRCLE_MEMBERS).where(CIRCLE_MEMBERS.c.circle_id == circle_id))
    ).all()
    learners = [member for member in members if member.role != FACILITATOR]
    sessions = (
        await session.execute(
            select(CIRCLE_SESSIONS).where(
                CIRCLE_SESSIONS.c.circle_id == circle_id, CIRCLE_SESSIONS.c.start <= now
            )
        )
    ).all()
    feedback = (
        await session.execute(
            select(CIRCLE_FEEDBACK)
            .where(CIRCLE_FEEDBACK.c.circle_id == circle_id)
            .order_by(CIRCLE_FEEDBACK.c.submitted_at, CIRCLE_FEEDBACK.c.id)
        )
    ).all()
    completed = [row for row in sessions if row.status == SessionStatus.COMPLETED]
    return CircleEvidence(
        members_joined=len(learners),
        members_active=sum(1 for member in learners if member.active),
        held=len(completed),
        canceled=sum(1 for row in sessions if row.status == SessionStatus.CANCELED),
        attendees={
            row.id: frozenset(
                uuid.UUID(person) for person, role in row.attendees.items() if role != FACILITATOR
            )
            for row in completed
        },
        feedback=[
            MemberFeedback(row.respondent_id, row.session_id, row.rating, row.belonging)
            for row in feedback
            if row.respondent_role != FACILITATOR
        ],
    )


async def circle_health(
    session: AsyncSession, *, caller: Principal, circle_id: uuid.UUID, now: datetime
) -> tuple[Any, CircleHealth]:
    """A circle's health, for its facilitators and admins (members see their circle, not its health)."""
    circle = await circle_of(session, caller, circle_id)
    if not caller.is_admin:
        member = await _member(session, circle_id, person_id_of(caller))
        if member is None or member.role != FACILITATOR:
            raise Problem(403, "a circle's health is for its facilitators and admins")
    return circle, assess(await circle_evidence(session, circle_id, now=now))


def health_document(circle: Any, health: CircleHealth) -> dict[str, Any]:
    return {
        "circle_id": circle.id,
        "program_id": circle.program_id,
        "topic": circle.topic,
        "status": circle.status,
        "score": health.score,
        "level": health.level,
        "components": [
            {"name": part.name, "score": part.score, "weight": part.weight, "explanation": part.explanation}
            for part in health.parts
        ],
        "reasons": health.reasons(),
        "members_at_risk": list(health.members_at_risk),
    }


async def circle_figures(
    session: AsyncSession, *, program_id: uuid.UUID, now: datetime
) -> dict[str, Any] | None:
    """What program analytics reports about a program's circles, beside its pairs (None: it has none)."""
    circles = (await session.execute(select(CIRCLES).where(CIRCLES.c.program_id == program_id))).all()
    if not circles:
        return None
    running = [circle for circle in circles if circle.status == CircleStatus.ACCEPTED]
    members = await session.scalar(
        select(func.count())
        .select_from(CIRCLE_MEMBERS)
        .join(CIRCLES, CIRCLES.c.id == CIRCLE_MEMBERS.c.circle_id)
        .where(
            CIRCLES.c.program_id == program_id,
            CIRCLES.c.status == CircleStatus.ACCEPTED.value,
            CIRCLE_MEMBERS.c.active.is_(True),
            CIRCLE_MEMBERS.c.role != FACILITATOR,
        )
    )
    held = await session.scalar(
        select(func.count())
        .select_from(CIRCLE_SESSIONS)
        .where(
            CIRCLE_SESSIONS.c.program_id == program_id,
            CIRCLE_SESSIONS.c.status == SessionStatus.COMPLETED.value,
        )
    )
    rating = await session.scalar(
        select(func.avg(CIRCLE_FEEDBACK.c.rating)).where(CIRCLE_FEEDBACK.c.program_id == program_id)
    )
    healths = [assess(await circle_evidence(session, circle.id, now=now)) for circle in running]
    scores = [health.score for health in healths if health.score is not None]
    return {
        "circles": len(circles),
        "running": len(running),
        "members": int(members or 0),
        "sessions_held": int(held or 0),
        "mean_rating": round(float(rating), 2) if rating is not None else None,
        "mean_health": round(sum(scores) / len(scores), 1) if scores else None,
        "at_risk": sum(1 for health in healths if health.level == "at_risk"),
    }
