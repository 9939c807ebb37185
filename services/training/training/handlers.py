"""Consumers of profiles events: the read models of programs, people and enrollments, and the
assignments that follow them.

People and enrollment events are handled a run at a time (`Handlers.on_batch`): 10,000 people
enrolled by an import are assigned in a few set-based statements per consumer batch, not one
transaction per person. Everything is version-checked, and assignments are derived from the read
models, so redelivered, duplicated and out-of-order events converge to the same state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.consumer import Handlers
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentState,
    EnrollmentUpdated,
    EnrollmentWithdrawn,
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonState,
    PersonUpdated,
    ProgramCreated,
    ProgramUpdated,
)
from shared.events import CloudEvent
from training.personal_data import PERSONAL_DATA
from training.service import read_model

profiles_handlers = Handlers()


@profiles_handlers.on(ProgramCreated, ProgramUpdated)
async def on_program(
    session: AsyncSession, envelope: CloudEvent, event: ProgramCreated | ProgramUpdated
) -> None:
    await read_model.apply_program(session, event.program)


@profiles_handlers.on_batch(
    PersonCreated,
    PersonUpdated,
    PersonDeactivated,
    PersonReactivated,
    EnrollmentCreated,
    EnrollmentUpdated,
    EnrollmentWithdrawn,
)
async def on_people_and_enrollments(session: AsyncSession, events: list[tuple[CloudEvent, Any]]) -> None:
    people: list[PersonState] = []
    enrollments: list[EnrollmentState] = []
    for _envelope, event in events:
        if isinstance(event, EnrollmentCreated | EnrollmentUpdated | EnrollmentWithdrawn):
            enrollments.append(event.enrollment)
        else:
            people.append(event.person)
    await read_model.apply_people_and_enrollments(
        session, people=people, enrollments=enrollments, now=utcnow()
    )


# The streams training reads, by publishing service (consumers are built by shared.worker).
SOURCES = PERSONAL_DATA.sources({"profiles": profiles_handlers})
