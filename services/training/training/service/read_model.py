"""The read models of profiles' programs, people and enrollments, and what changing them starts:
assignments follow enrollments and people (`assignments.reconcile`).

People and enrollments arrive in bulk (an import, a new cohort), so they are applied a consumer
batch at a time: one upsert per table, then one reconciliation of every enrollment touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.profiles import EnrollmentState, PersonState, ProgramState
from shared.read_models import upsert_if_newer, upsert_many_if_newer
from training.models import ENROLLMENTS, PEOPLE, PROGRAMS
from training.service.assignments import Scope, reconcile


async def apply_program(session: AsyncSession, program: ProgramState) -> None:
    await upsert_if_newer(
        session,
        PROGRAMS,
        {
            "id": program.id,
            "organization": program.organization,
            "name": program.name,
            "status": program.status.value,
            "version": program.version,
        },
        key=["id"],
    )


async def apply_people_and_enrollments(
    session: AsyncSession,
    *,
    people: Sequence[PersonState],
    enrollments: Sequence[EnrollmentState],
    now: datetime,
) -> None:
    """Apply a batch of person and enrollment states (newest version wins, in any order), then
    bring the assignments of everyone touched in line."""
    await upsert_many_if_newer(
        session,
        PEOPLE,
        [
            {
                "id": person.id,
                "organization": person.organization,
                "name": person.name,
                "active": person.active,
                "version": person.version,
            }
            for person in people
        ],
        key=["id"],
    )
    await upsert_many_if_newer(
        session,
        ENROLLMENTS,
        [
            {
                "id": enrollment.id,
                "organization": enrollment.organization,
                "program_id": enrollment.program_id,
                "person_id": enrollment.person_id,
                "role": enrollment.role.value,
                "status": enrollment.status.value,
                "enrolled_at": enrollment.created_at,
                "version": enrollment.version,
            }
            for enrollment in enrollments
        ],
        key=["id"],
    )
    # Stale or repeated events reconcile too: harmless, since it derives from the read models.
    scope = Scope(
        enrollment_ids=sorted({enrollment.id for enrollment in enrollments}),
        person_ids=sorted({person.id for person in people}),
    )
    await reconcile(session, scope=scope, now=now)
