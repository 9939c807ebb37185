"""Use cases of matches: a mentee's request, the participants' (or an admin's) answers, and the
lifecycle passes the worker runs (expire overdue offers, activate matches whose cohort started).

Each state change and its event are written in the caller's one transaction (see transitions).
"""

from __future__ import annotations

import datetime as dt
import uuid

import anyio
import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.access import end_reason_for, may_act, may_view, person_id_of
from matching.candidates import PoolCache, enrolled, full_mentors, held_back, pair_rules
from matching.config import MatchingSettings
from matching.lifecycle import LIVE, OPEN, Action
from matching.models import Match, Program
from matching.pool import MenteeBatch
from matching.queries import live_enrollment, program_or_404
from matching.ranking import ExplainedPair, explain_pairs
from matching.schemas import MatchRequestCreate
from matching.scoring import Scorer
from matching.service.transitions import announce, transition
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.constraints import Conflict, flush_or_conflict
from shared.contracts.matching import MatchEndReason, MatchSource, MatchStatus
from shared.contracts.profiles import EnrollmentRole, MatchingMode, ProgramStatus
from shared.errors import Problem, not_found

_ALREADY_REQUESTED = {
    "uq_matches_open_pair": Conflict(None, "this mentor was already asked", slug="already-requested"),
}


async def request_mentor(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    body: MatchRequestCreate,
    pools: PoolCache,
    settings: MatchingSettings,
) -> Match:
    """A mentee asks a mentor (mentee-choice programs); the mentor accepts or declines before expiry."""
    program = await program_or_404(session, caller, program_id)
    if program.matching_mode != MatchingMode.MENTEE_CHOICE:
        raise Problem(409, "this program does not take requests from mentees", slug="not-mentee-choice")
    if program.status != ProgramStatus.ACTIVE:
        raise Problem(409, "the program is not active", slug="program-not-active")
    mentee_id = person_id_of(caller)
    if mentee_id is None:
        raise Problem(403, "only a person enrolled as mentee can request a mentor")
    # Locking the mentee's enrollment serializes their concurrent requests (the pending cap holds).
    if await live_enrollment(session, program, mentee_id, EnrollmentRole.MENTEE, lock=True) is None:
        raise Problem(403, "only a person enrolled as mentee can request a mentor")
    mine = (
        await session.execute(
            select(Match.status, Match.mentor_id).where(
                Match.program_id == program.id,
                Match.mentee_id == mentee_id,
                Match.status.in_([status.value for status in OPEN | LIVE]),
            )
        )
    ).all()
    if any(MatchStatus(row.status) in LIVE for row in mine):
        raise Problem(409, "the mentee already has a mentor in this program", slug="mentee-already-matched")
    if any(row.mentor_id == body.mentor_id for row in mine):
        raise Problem(409, "this mentor was already asked", slug="already-requested")
    pending = sum(row.status == MatchStatus.REQUESTED for row in mine)
    if pending >= settings.max_pending_requests:
        raise Problem(
            409,
            f"at most {settings.max_pending_requests} requests may wait for an answer at once",
            slug="too-many-pending-requests",
        )
    mentees = await enrolled(session, program, EnrollmentRole.MENTEE, person_ids=[mentee_id])
    if not mentees:
        raise Problem(403, "only an active person enrolled as mentee can request a mentor")
    cached = await pools.get(session, program, settings)
    mentor_row = cached.pool.index_of.get(body.mentor_id)
    if mentor_row is None:
        raise not_found("mentor enrollment in this program")
    held = await held_back(session, program, mentee_ids=[mentee_id])
    own_reason = held.mentees.get(mentee_id)
    if own_reason is not None:
        raise Problem(409, own_reason, slug="not-ready-for-matching")
    if body.mentor_id in held.mentors:
        # The mentor's course progress is theirs to see, not the mentee's.
        raise Problem(409, "the mentor has not completed their course yet", slug="not-ready-for-matching")
    rules = await pair_rules(session, program, managers=cached.managers, mentee_ids=[mentee_id])
    full = await full_mentors(session, program)

    def score() -> tuple[list[str], ExplainedPair]:
        pool = cached.pool
        batch = MenteeBatch.build(mentees, pool, rules)
        scorer = Scorer(pool, batch, cached.policy, open_slots=cached.open_slots(full))
        violations = scorer.violations(0, mentor_row)
        [pair] = explain_pairs(
            scorer, np.asarray([0]), np.asarray([mentor_row]), skill_labels=cached.skill_labels
        )
        return violations, pair

    violations, pair = await anyio.to_thread.run_sync(score)
    if violations:
        raise Problem(409, "this pair cannot be matched: " + "; ".join(violations), slug="pair-not-feasible")
    now = utcnow()
    match = Match(
        id=uuid.uuid4(),
        organization=program.organization,
        version=1,
        program_id=program.id,
        mentee_id=mentee_id,
        mentor_id=body.mentor_id,
        status=MatchStatus.REQUESTED.value,
        source=MatchSource.MENTEE_REQUEST.value,
        score=pair.score,
        score_breakdown=pair.breakdown,
        reasons=pair.reasons,
        message=body.message,
        format=program.format,
        mentee_accepted_at=now,
        expires_at=now + dt.timedelta(hours=settings.request_ttl_hours),
        created_at=now,
        updated_at=now,
    )
    session.add(match)
    await flush_or_conflict(session, _ALREADY_REQUESTED)
    await announce(session, match)
    return match


async def _match_for_update(session: AsyncSession, caller: Principal, match_id: uuid.UUID) -> Match:
    match = await session.scalar(
        select(Match).where(Match.id == match_id, Match.organization == caller.organization).with_for_update()
    )
    if match is None or not may_view(caller, match):
        raise not_found("match")
    return match


async def act(
    session: AsyncSession,
    *,
    caller: Principal,
    match_id: uuid.UUID,
    action: Action,
    if_match: str | None = None,
    end_reason: MatchEndReason | None = None,
) -> Match:
    """Accept, decline, activate or end a match as `caller` (If-Match honoured when given)."""
    match = await _match_for_update(session, caller, match_id)
    if if_match is not None:
        check_if_match(if_match, match.version)
    if not may_act(caller, match, action):
        raise Problem(
            403, "only the mentor can accept a request" if action is Action.ACCEPT else "not allowed"
        )
    now = utcnow()
    if action is Action.ACCEPT and match.status == MatchStatus.PROPOSED and not caller.is_admin:
        # A proposal needs both participants: record this one's consent, accept on the second.
        if person_id_of(caller) == match.mentee_id:
            match.mentee_accepted_at = match.mentee_accepted_at or now
        else:
            match.mentor_accepted_at = match.mentor_accepted_at or now
        if match.mentee_accepted_at is None or match.mentor_accepted_at is None:
            match.version += 1
            match.updated_at = now
            return match
    if action is Action.ACCEPT:
        match.mentor_accepted_at = match.mentor_accepted_at or now
        match.mentee_accepted_at = match.mentee_accepted_at or now
    reason = end_reason_for(caller, end_reason) if action is Action.END else None
    return await transition(session, match, action, now=now, end_reason=reason)


# -- lifecycle passes (the worker's periodic job; tests call them directly) ---------------------
# Each pass claims a batch with `FOR UPDATE SKIP LOCKED`, so worker replicas share the work and
# never block an API call holding a match; the state changes and their events commit together.


async def expire_overdue(
    sessions: async_sessionmaker[AsyncSession], *, now: dt.datetime | None = None, batch_size: int = 500
) -> int:
    """Expire open requests and proposals past their `expires_at` (MatchExpired each). Returns how many."""
    now = now or utcnow()
    async with sessions() as session, session.begin():
        overdue = (
            await session.scalars(
                select(Match)
                .where(Match.status.in_([status.value for status in OPEN]), Match.expires_at <= now)
                .order_by(Match.expires_at)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for match in overdue:
            await transition(session, match, Action.EXPIRE, now=now)
    return len(overdue)


async def activate_started(
    sessions: async_sessionmaker[AsyncSession], *, now: dt.datetime | None = None, batch_size: int = 500
) -> int:
    """Accepted matches whose program's cohort has started become active (MatchActivated each)."""
    now = now or utcnow()
    async with sessions() as session, session.begin():
        due = (
            await session.scalars(
                select(Match)
                .join(Program, Program.id == Match.program_id)
                .where(Match.status == MatchStatus.ACCEPTED.value, Program.cohort_start <= now.date())
                .order_by(Match.id)
                .limit(batch_size)
                .with_for_update(of=Match, skip_locked=True)
            )
        ).all()
        for match in due:
            await transition(session, match, Action.ACTIVATE, now=now)
    return len(due)
