"""Use cases of exclusions: an admin keeps a pair out of a program's matching, or lets it back in."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from matching.models import Exclusion, Round, RoundProposal, RoundStatus
from matching.queries import program_or_404
from matching.schemas import ExclusionCreate
from shared.auth import Principal
from shared.clock import utcnow
from shared.constraints import Conflict, flush_or_conflict
from shared.contracts.matching import MatchSource
from shared.errors import Problem, not_found

_CONFLICTS = {"uq_exclusions_pair": Conflict(None, "this pair is already excluded", slug="already-excluded")}


async def create_exclusion(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, body: ExclusionCreate
) -> Exclusion:
    """Exclude a pair from the program's matching; a draft round proposing it drops the proposal."""
    program = await program_or_404(session, caller, program_id)
    if body.mentee_id == body.mentor_id:
        raise Problem(422, "a pair needs two different people")
    now = utcnow()
    exclusion = Exclusion(
        id=uuid.uuid4(),
        organization=program.organization,
        program_id=program.id,
        mentee_id=body.mentee_id,
        mentor_id=body.mentor_id,
        reason=body.reason,
        created_by=caller.subject,
        created_at=now,
    )
    session.add(exclusion)
    await flush_or_conflict(session, _CONFLICTS)
    drafts = select(Round.id).where(Round.program_id == program.id, Round.status == RoundStatus.DRAFT.value)
    dropped = await session.execute(
        update(RoundProposal)
        .where(
            RoundProposal.round_id.in_(drafts),
            RoundProposal.mentee_id == body.mentee_id,
            RoundProposal.mentor_id == body.mentor_id,
        )
        .values(
            mentor_id=None,
            score=0.0,
            score_breakdown={},
            reasons=[],
            source=MatchSource.MANUAL.value,
            warnings=["waitlisted: an admin excluded the proposed pair"],
        )
        .returning(RoundProposal.round_id)
    )
    touched = {row.round_id for row in dropped}
    if touched:
        await session.execute(
            update(Round).where(Round.id.in_(touched)).values(version=Round.version + 1, updated_at=now)
        )
    return exclusion


async def delete_exclusion(session: AsyncSession, *, caller: Principal, exclusion_id: uuid.UUID) -> None:
    """Lift an exclusion of the caller's organization (404 if there is none)."""
    deleted = await session.execute(
        delete(Exclusion)
        .where(Exclusion.id == exclusion_id, Exclusion.organization == caller.organization)
        .returning(Exclusion.id)
    )
    if deleted.first() is None:
        raise not_found("exclusion")
