"""Use case of erasing what the platform holds on a person about personality, program intake and
self-identification, at the person's request.

Everything goes in one transaction with the events that make matching drop its copies: the
self-identification values and consent record, every personality take (the result that counts
becomes none), and the intake answers of every enrollment. What profiles keeps is only the version
counters of what matching was told (no value, no attribute, no answer), so matching can order the
events. The person's profile and enrollments themselves stay: that is not this erasure's scope.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.documents import enrollment_document
from profiles.models import Enrollment, Person, messaging
from profiles.service import personality, self_identification
from profiles.service.changes import record_change
from shared.auth import Principal
from shared.contracts.profiles import EnrollmentState, EnrollmentUpdated
from shared.errors import Problem
from shared.secret_box import SecretBox


async def erase(session: AsyncSession, *, caller: Principal, box: SecretBox) -> dict[str, int]:
    """Erase the caller's self-identification, personality results and intake answers; the counts."""
    person_id = self_identification.person_of(caller)
    organization = caller.organization
    found = await session.scalar(
        select(Person.id).where(Person.id == person_id, Person.organization == organization).with_for_update()
    )
    if found is None:
        raise Problem(404, "you have no profile in this organization")
    values, records = await self_identification.erase(
        session, organization=organization, person_id=person_id, box=box
    )
    takes = await personality.erase(session, organization=organization, person_id=person_id)
    answered = await _erase_intake_answers(session, organization=organization, person_id=person_id)
    # Stored responses of idempotent requests may hold a result (a personality take): gone too.
    idempotency = messaging.idempotency
    await session.execute(
        delete(idempotency).where(
            idempotency.c.organization == organization, idempotency.c.principal == caller.subject
        )
    )
    return {
        "self_identifications": values,
        "consent_records": records,
        "personality_results": takes,
        "enrollments_with_intake_answers": answered,
    }


async def _erase_intake_answers(session: AsyncSession, *, organization: str, person_id: uuid.UUID) -> int:
    enrollments = await session.scalars(
        select(Enrollment)
        .where(Enrollment.person_id == person_id, Enrollment.organization == organization)
        .with_for_update()
    )
    erased = 0
    for enrollment in enrollments:
        changed: dict[str, Any] = {}
        if enrollment.intake_answers:
            changed["intake_answers"] = {}
        if enrollment.matching_answers:
            changed["matching_answers"] = {}
        if not changed:
            continue
        erased += 1
        await record_change(
            session,
            enrollment,
            changed,
            document_of=enrollment_document,
            event_of=lambda document, names=sorted(changed): EnrollmentUpdated(
                enrollment=EnrollmentState.model_validate(document), changed=names
            ),
        )
    return erased
