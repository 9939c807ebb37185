"""The next session a match's cadence proposes once a session completes (one per match)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import cadence, queries
from scheduling.models import MatchStatus, ProposedSession, Session
from scheduling.queries import MatchContext, availability_of
from scheduling.slots import first_common_slot


async def propose_next_session(
    session: AsyncSession, *, context: MatchContext, after: Session, now: datetime
) -> ProposedSession | None:
    """Record the first common slot one cadence after `after` (empty if none within a cadence)."""
    if context.program is None or context.mentor is None or context.mentee is None:
        return None
    if context.match.status != MatchStatus.ACTIVE:
        return None
    every = cadence.interval(context.program.session_cadence)
    due_at = after.starts_at + every
    search_from = max(due_at, now)
    rules = context.policy.slot_rules(session_minutes=context.program.session_length_minutes)
    blocked = await queries.blocked_ranges(
        session, person_ids=context.participant_ids, start=search_from, end=search_from + every + rules.buffer
    )
    slot = first_common_slot(
        [availability_of(context.mentor), availability_of(context.mentee)],
        after=search_from,
        within=every,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=context.mentor.time_zone,
    )
    values = {
        "match_id": context.match.id,
        "organization": context.match.organization,
        "after_session_id": after.id,
        "due_at": due_at,
        "starts_at": slot.start if slot else None,
        "ends_at": slot.end if slot else None,
        "created_at": now,
    }
    statement = insert(ProposedSession).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ProposedSession.match_id],
            set_={name: statement.excluded[name] for name in values if name != "match_id"},
        )
    )
    return await session.get(ProposedSession, context.match.id, populate_existing=True)


async def withdraw_proposal(session: AsyncSession, match_id: uuid.UUID) -> None:
    """Drop the match's proposal: the pair booked (acting on the cadence), or the match ended."""
    await session.execute(delete(ProposedSession).where(ProposedSession.match_id == match_id))
