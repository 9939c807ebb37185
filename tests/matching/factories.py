"""Builders of profiles states for matching tests, and a way to apply events to the read model.

`ReadModel.apply` runs matching's real event handlers in one transaction, as the consumer does,
without going through NATS (the consumer tests and the end-to-end test do go through NATS).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.handlers import SOURCES
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentState,
    PersonCreated,
    PersonState,
    ProgramCreated,
    ProgramState,
)
from shared.events import CloudEvent, Event

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
WEEKDAY_MORNINGS = [{"weekday": day, "start": "09:00", "end": "12:00"} for day in range(5)]


def person(
    organization: str,
    *,
    person_id: uuid.UUID | None = None,
    version: int = 1,
    name: str = "Someone",
    time_zone: str = "Europe/Berlin",
    languages: Sequence[str] = ("en",),
    availability: Iterable[dict[str, Any]] = WEEKDAY_MORNINGS,
    skills: dict[str, int] | None = None,
    interests: dict[str, tuple[int | None, int]] | None = None,
    seniority: str | None = "senior",
    department: str | None = None,
    manager_id: uuid.UUID | None = None,
    capacity: int = 2,
    active: bool = True,
    goals: Sequence[str] = (),
    bio: str | None = None,
    guidance: Sequence[str] = ("technical",),
    specializations: Sequence[str] = (),
    learning_style: str | None = None,
) -> PersonState:
    return PersonState.model_validate(
        {
            "id": person_id or uuid.uuid4(),
            "organization": organization,
            "version": version,
            "email": f"{uuid.uuid4().hex[:8]}@example.com",
            "name": name,
            "department": department,
            "manager_id": manager_id,
            "seniority": seniority,
            "time_zone": time_zone,
            "languages": list(languages),
            "bio": bio,
            "skills": [{"skill": skill, "level": level} for skill, level in (skills or {}).items()],
            "learning_interests": [
                {"skill": skill, "current_level": current, "target_level": target}
                for skill, (current, target) in (interests or {}).items()
            ],
            "goals": list(goals),
            "guidance": list(guidance),
            "specializations": list(specializations),
            "learning_style": learning_style,
            "availability": list(availability),
            "mentor_capacity": capacity,
            "active": active,
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


def program(
    organization: str,
    *,
    program_id: uuid.UUID | None = None,
    version: int = 1,
    mode: str = "admin_approved",
    status: str = "active",
    cohort_start: dt.date | None = None,
    session_length_minutes: int = 60,
    exclude_same_department: bool = False,
    weights: dict[str, float] | None = None,
) -> ProgramState:
    start = cohort_start or dt.date.today() + dt.timedelta(days=30)
    return ProgramState.model_validate(
        {
            "id": program_id or uuid.uuid4(),
            "organization": organization,
            "version": version,
            "name": "AI mentoring",
            "objective": "technical_skills",
            "cohort_start": start,
            "cohort_end": start + dt.timedelta(days=180),
            "matching_mode": mode,
            "score_weights": weights or {},
            "session_length_minutes": session_length_minutes,
            "session_cadence": "weekly",
            "checkin_cadence_days": 14,
            "exclude_same_department": exclude_same_department,
            "status": status,
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


def enrollment(
    organization: str,
    program_id: uuid.UUID,
    person_id: uuid.UUID,
    role: str,
    *,
    enrollment_id: uuid.UUID | None = None,
    version: int = 1,
    status: str = "active",
    capacity: int | None = None,
    goals: Sequence[str] = (),
) -> EnrollmentState:
    return EnrollmentState.model_validate(
        {
            "id": enrollment_id or uuid.uuid4(),
            "organization": organization,
            "version": version,
            "program_id": program_id,
            "person_id": person_id,
            "role": role,
            "goals": list(goals),
            "status": status,
            "mentor_capacity": capacity,
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


class ReadModel:
    """Applies profiles events to matching's read model with the real handlers."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def apply(self, *events: Event) -> None:
        async with self.sessions() as session, session.begin():
            for event in events:
                [handler] = [
                    found
                    for source in SOURCES.values()
                    if (found := source.get(event.event_type.name)) is not None
                ]
                organization = _organization_of(event)
                await handler(session, CloudEvent.wrap(event, organization=organization, subject=None), event)

    async def program_with(
        self,
        organization: str,
        *,
        mentors: Sequence[PersonState],
        mentees: Sequence[PersonState],
        mentor_capacity: int | None = None,
        **program_options: Any,
    ) -> ProgramState:
        """A program with people enrolled, all applied to the read model."""
        state = program(organization, **program_options)
        events: list[Event] = [ProgramCreated(program=state)]
        for someone in [*mentors, *mentees]:
            events.append(PersonCreated(person=someone))
        for mentor in mentors:
            events.append(
                EnrollmentCreated(
                    enrollment=enrollment(
                        organization, state.id, mentor.id, "mentor", capacity=mentor_capacity
                    )
                )
            )
        for mentee in mentees:
            events.append(
                EnrollmentCreated(enrollment=enrollment(organization, state.id, mentee.id, "mentee"))
            )
        await self.apply(*events)
        return state


def _organization_of(event: Event) -> str:
    for field in (
        "person",
        "program",
        "enrollment",
        "skill",
        "submission",
        "assignment",
        "gates",
        "personality",
        "self_identification",
    ):
        value = getattr(event, field, None)
        if value is not None:
            return str(value.organization)
    raise AssertionError(f"no organization in {event!r}")
