"""What a match or a session changing in another service sets off here: requests to open or
withdraw, the match's health to evaluate or freeze, the weekly rollup to adjust.

The read models are updated first (handlers.py); these key on the read model's state after the
event, not on the event alone, so a stale event does nothing a newer one already undid.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import cadence
from feedback.config import FeedbackSettings
from feedback.matches import MatchParticipants, is_live
from feedback.models import MATCHES
from feedback.rollups import session_contribution
from feedback.service.match_health import evaluate_match, finalize_match
from feedback.service.program_weeks import add_to_week
from feedback.service.requests import open_closeout, open_session_requests, withdraw_requests
from shared.contracts.feedback import RequestKind
from shared.contracts.matching import MatchStatus
from shared.contracts.scheduling import SessionState, SessionStatus


async def match_changed(
    session: AsyncSession, *, match_id: uuid.UUID, now: datetime, settings: FeedbackSettings
) -> None:
    """What the match's current state asks for: close-out when ended, a health check when live."""
    current = (await session.execute(select(MATCHES).where(MATCHES.c.id == match_id))).one()
    if current.status == MatchStatus.ENDED.value:
        match = MatchParticipants(
            current.organization, current.program_id, current.id, current.mentor_id, current.mentee_id
        )
        await open_closeout(session, match=match, ended_at=current.ended_at or now, settings=settings)
        await finalize_match(session, match_id=current.id, now=now)
    elif is_live(current.status):
        await evaluate_match(session, match_id=current.id, now=now, settings=settings)


async def session_changed(
    session: AsyncSession,
    *,
    state: SessionState,
    previous: Any | None,
    now: datetime,
    settings: FeedbackSettings,
) -> None:
    """A session's new state (newer than `previous`, its last known status, start and program):
    feedback requested once it was held, withdrawn if it turns out it was not; the match's health
    again; the session moved from its old week's counts to its new one's."""
    match = MatchParticipants(
        state.organization, state.program_id, state.match_id, state.mentor_id, state.mentee_id
    )
    if state.status is SessionStatus.COMPLETED:
        await open_session_requests(
            session, match=match, session_id=state.id, ended_at=state.end, settings=settings
        )
    else:
        await withdraw_requests(
            session, match_id=state.match_id, kind=RequestKind.SESSION, session_id=state.id
        )
    await evaluate_match(session, match_id=state.match_id, now=now, settings=settings)
    # Into the weekly rollup, written when the transaction commits (after every other lock).
    if previous is not None:
        await add_to_week(
            session,
            organization=state.organization,
            program_id=previous.program_id,
            week_start=cadence.week_start(previous.start),
            deltas=session_contribution(previous.status, -1),
        )
    await add_to_week(
        session,
        organization=state.organization,
        program_id=state.program_id,
        week_start=cadence.week_start(state.start),
        deltas=session_contribution(state.status.value),
    )
