"""A flash session turned into a long-term match: scheduling tells that its mentor and mentee both
agreed to continue in a one-to-one (or reverse) program (`FlashMatchAgreed`), and matching makes
the match, scored and explained like any other, with `source` flash.

It is accepted at once when the mentor has a free slot in that program; otherwise it waits as a
request the mentor (or an admin) accepts once a slot frees up. Nothing is made when one of them is
not enrolled there in their role any more, or the mentee already has a mentor there: the
agreement is then only logged, since the event cannot be refused.
"""

from __future__ import annotations

import uuid

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.availability import Horizon
from matching.candidates import enrolled, seniority_of
from matching.lifecycle import LIVE, NOT_FINAL, Action
from matching.models import Match, Program
from matching.pool import MenteeBatch, MentorPool
from matching.ranking import explain_pairs
from matching.scoring import Scorer, ScoringPolicy, normalized_weights
from matching.service.transitions import announce, transition
from shared.clock import utcnow
from shared.contracts.matching import MatchSource, MatchStatus
from shared.contracts.profiles import EnrollmentRole, ProgramFormat, ProgramStatus
from shared.contracts.scheduling import FlashSessionState
from shared.errors import Problem
from shared.logging import get_logger

_log = get_logger("matching.flash_matches")
LONG_TERM = (ProgramFormat.ONE_TO_ONE.value, ProgramFormat.REVERSE.value)


async def apply_flash_agreement(session: AsyncSession, flash: FlashSessionState) -> Match | None:
    """Make the long-term match two people agreed on after a flash session (idempotent: a match
    already made from this flash session, or in progress for the pair, is left as it is)."""
    program_id = flash.follow_up_program_id
    if program_id is None:
        return None
    program = await session.scalar(
        select(Program).where(Program.id == program_id, Program.organization == flash.organization)
    )
    if program is None or program.format not in LONG_TERM or program.status == ProgramStatus.CLOSED:
        _log.warning("flash agreement for a program that takes no match", flash_session=str(flash.id))
        return None
    existing = await session.scalar(
        select(Match).where(
            Match.program_id == program.id,
            Match.mentee_id == flash.mentee_id,
            (Match.flash_session_id == flash.id)
            | Match.status.in_([status.value for status in LIVE])
            | (
                (Match.mentor_id == flash.mentor_id)
                & Match.status.in_([status.value for status in NOT_FINAL])
            ),
        )
    )
    if existing is not None:
        return existing
    mentors = await enrolled(session, program, EnrollmentRole.MENTOR, person_ids=[flash.mentor_id])
    mentees = await enrolled(session, program, EnrollmentRole.MENTEE, person_ids=[flash.mentee_id])
    if not mentors or not mentees:
        _log.warning("flash agreement of people not enrolled in the program", flash_session=str(flash.id))
        return None
    now = utcnow()
    pool = MentorPool.build(
        mentors, horizon=Horizon.after(now), session_minutes=program.session_length_minutes
    )
    policy = ScoringPolicy(weights=normalized_weights(program.score_weights), **seniority_of(program))
    scorer = Scorer(pool, MenteeBatch.build(mentees, pool), policy)
    [pair] = explain_pairs(scorer, np.asarray([0], dtype=np.intp), np.asarray([0], dtype=np.intp))
    match = Match(
        id=uuid.uuid4(),
        organization=program.organization,
        version=1,
        program_id=program.id,
        mentee_id=flash.mentee_id,
        mentor_id=flash.mentor_id,
        status=MatchStatus.REQUESTED.value,
        source=MatchSource.FLASH.value,
        score=pair.score,
        score_breakdown=pair.breakdown,
        reasons=[f"both agreed to continue after a flash session on {flash.start:%Y-%m-%d}", *pair.reasons],
        mentee_accepted_at=flash.mentee_agreed_at or now,
        mentor_accepted_at=flash.mentor_agreed_at or now,
        format=program.format,
        flash_session_id=flash.id,
        created_at=now,
        updated_at=now,
    )
    session.add(match)
    await session.flush()
    try:
        return await transition(session, match, Action.ACCEPT, now=now)
    except Problem:
        # No free slot now (the slot is taken by one conditional UPDATE, which changed nothing): a
        # request the mentor accepts once one frees up.
        await announce(session, match)
        return match
