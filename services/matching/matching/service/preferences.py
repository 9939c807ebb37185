"""Use case of a mentee's preferences: mentors preferred (scored higher) and avoided (excluded)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from matching.access import require_self_or_admin
from matching.models import Preference
from matching.queries import live_enrollment, program_or_404
from matching.schemas import PreferencesIn
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.contracts.profiles import EnrollmentRole
from shared.errors import Problem


async def put_preferences(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    person_id: uuid.UUID,
    body: PreferencesIn,
    if_match: str | None,
) -> Preference:
    """Set a mentee's preferred and avoided mentors (If-Match once they exist)."""
    program = await program_or_404(session, caller, program_id)
    require_self_or_admin(caller, person_id, "preferences")
    if await live_enrollment(session, program, person_id, EnrollmentRole.MENTEE) is None:
        raise Problem(409, "preferences are for people enrolled as mentee", slug="not-a-mentee")
    if set(body.preferred_mentor_ids) & set(body.avoided_mentor_ids):
        raise Problem(422, "a mentor cannot be both preferred and avoided")
    row = await session.get(Preference, (program.id, person_id), with_for_update=True)
    now = utcnow()
    preferred = [str(value) for value in body.preferred_mentor_ids]
    avoided = [str(value) for value in body.avoided_mentor_ids]
    if row is None:
        if if_match is not None and if_match.strip() != "*":
            check_if_match(if_match, 0)
        row = Preference(
            program_id=program.id,
            person_id=person_id,
            organization=program.organization,
            version=1,
            preferred_mentor_ids=preferred,
            avoided_mentor_ids=avoided,
            updated_at=now,
        )
        session.add(row)
    else:
        check_if_match(if_match, row.version)
        row.preferred_mentor_ids = preferred
        row.avoided_mentor_ids = avoided
        row.version += 1
        row.updated_at = now
    await session.flush()
    return row
