"""Use cases of matches, suggestions, exclusions, preferences and the audit configuration.

Each state change and its event are written in the caller's one transaction (see transitions).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import anyio
import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from matching.access import end_reason_for, may_act, may_view, person_id_of
from matching.candidates import (
    ELIGIBLE_ENROLLMENT,
    PoolCache,
    enrolled,
    full_mentors,
    pair_rules,
)
from matching.config import MatchingSettings
from matching.fairness import AuditAttribute
from matching.lifecycle import LIVE, Action
from matching.models import (
    AuditConfig,
    Enrollment,
    Exclusion,
    Match,
    MatchFeedback,
    Preference,
    Program,
    Round,
    RoundProposal,
)
from matching.pool import MenteeBatch
from matching.ranking import ExplainedPair, explain_pairs, suggest
from matching.schemas import (
    AuditConfigIn,
    AuditConfigOut,
    ExclusionCreate,
    MatchRequestCreate,
    PreferencesIn,
    PreferencesOut,
    Suggestion,
    SuggestionList,
)
from matching.scoring import Scorer
from matching.transitions import announce, transition, utcnow
from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.matching import MatchEndReason, MatchSource, MatchStatus
from shared.contracts.profiles import EnrollmentRole, MatchingMode, ProgramStatus
from shared.errors import Problem, not_found
from shared.pagination import decode_cursor, encode_cursor, time_ordered_page

# -- lookups ------------------------------------------------------------------------------------


async def program_or_404(session: AsyncSession, caller: Principal, program_id: uuid.UUID) -> Program:
    """A program of the caller's organization; drafts are visible to admins only."""
    program = await session.scalar(
        select(Program).where(Program.id == program_id, Program.organization == caller.organization)
    )
    if program is None or (program.status == ProgramStatus.DRAFT and not caller.is_admin):
        raise not_found("program")
    return program


async def live_enrollment(
    session: AsyncSession, program: Program, person_id: uuid.UUID, role: EnrollmentRole, *, lock: bool = False
) -> Enrollment | None:
    query = select(Enrollment).where(
        Enrollment.program_id == program.id,
        Enrollment.person_id == person_id,
        Enrollment.role == role.value,
        Enrollment.status.in_(ELIGIBLE_ENROLLMENT),
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


def _self_or_admin(caller: Principal, person_id: uuid.UUID, what: str) -> None:
    if not caller.is_admin and person_id_of(caller) != person_id:
        raise Problem(403, f"{what} are the person's own, or an admin's to see and change")


# -- suggestions --------------------------------------------------------------------------------


def suggestion_of(pair: ExplainedPair, scorer: Scorer) -> Suggestion:
    mentor = scorer.pool.mentors[pair.mentor]
    return Suggestion(
        mentor_id=mentor.person_id,
        name=mentor.name,
        score=pair.score,
        score_breakdown=pair.breakdown,
        reasons=pair.reasons,
    )


async def suggestions(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    mentee_id: uuid.UUID | None,
    limit: int,
    pools: PoolCache,
    settings: MatchingSettings,
) -> SuggestionList:
    """The best feasible mentors for a mentee in a program, explained (the mentee's own, or an admin's)."""
    program = await program_or_404(session, caller, program_id)
    mentee_id = mentee_id or person_id_of(caller)
    if mentee_id is None:
        raise Problem(422, "mentee_id is required for a caller who is not a person")
    _self_or_admin(caller, mentee_id, "suggestions")
    mentees = await enrolled(session, program, EnrollmentRole.MENTEE, person_ids=[mentee_id])
    if not mentees:
        raise not_found("mentee enrollment in this program")
    cached = await pools.get(session, program, settings)
    rules = await pair_rules(
        session, program, managers=cached.managers, mentee_ids=[mentee_id], exclude_in_progress=True
    )
    full = await full_mentors(session, program)

    def rank() -> SuggestionList:
        pool = cached.pool
        batch = MenteeBatch.build(mentees, pool, rules)
        scorer = Scorer(pool, batch, cached.policy, open_slots=cached.open_slots(full))
        pairs = suggest(scorer, 0, limit, skill_labels=cached.skill_labels)
        return SuggestionList(
            program_id=program.id, mentee_id=mentee_id, items=[suggestion_of(pair, scorer) for pair in pairs]
        )

    return await anyio.to_thread.run_sync(rank)


# -- mentee requests ----------------------------------------------------------------------------


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
                Match.status.in_(["requested", "accepted", "active", "proposed"]),
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
        mentee_accepted_at=now,
        expires_at=now + dt.timedelta(hours=settings.request_ttl_hours),
        created_at=now,
        updated_at=now,
    )
    session.add(match)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "this mentor was already asked", slug="already-requested") from exc
    await announce(session, match)
    return match


# -- acting on matches --------------------------------------------------------------------------


async def match_for_update(session: AsyncSession, caller: Principal, match_id: uuid.UUID) -> Match:
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
    match = await match_for_update(session, caller, match_id)
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


async def get_match(session: AsyncSession, caller: Principal, match_id: uuid.UUID) -> Match:
    match = await session.scalar(
        select(Match).where(Match.id == match_id, Match.organization == caller.organization)
    )
    if match is None or not may_view(caller, match):
        raise not_found("match")
    return match


async def list_matches(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID | None,
    status: MatchStatus | None,
    person_id: uuid.UUID | None,
    round_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Match], str | None]:
    """The caller's matches (an admin's: the organization's), oldest first."""
    query = select(Match).where(Match.organization == caller.organization)
    if not caller.is_admin:
        me = person_id_of(caller)
        query = query.where((Match.mentee_id == me) | (Match.mentor_id == me))
    if person_id is not None:
        query = query.where((Match.mentee_id == person_id) | (Match.mentor_id == person_id))
    if program_id is not None:
        query = query.where(Match.program_id == program_id)
    if round_id is not None:
        query = query.where(Match.round_id == round_id)
    if status is not None:
        query = query.where(Match.status == status.value)
    return await time_ordered_page(
        session, query, time_column=Match.created_at, id_column=Match.id, limit=limit, cursor=cursor
    )


# -- exclusions ---------------------------------------------------------------------------------


async def create_exclusion(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, body: ExclusionCreate
) -> Exclusion:
    """Exclude a pair from the program's matching; a draft round proposing it drops the proposal."""
    program = await program_or_404(session, caller, program_id)
    if body.mentee_id == body.mentor_id:
        raise Problem(422, "a pair needs two different people")
    exclusion = Exclusion(
        id=uuid.uuid4(),
        organization=program.organization,
        program_id=program.id,
        mentee_id=body.mentee_id,
        mentor_id=body.mentor_id,
        reason=body.reason,
        created_by=caller.subject,
        created_at=utcnow(),
    )
    session.add(exclusion)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "this pair is already excluded", slug="already-excluded") from exc
    drafts = select(Round.id).where(Round.program_id == program.id, Round.status == "draft")
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
            update(Round).where(Round.id.in_(touched)).values(version=Round.version + 1, updated_at=utcnow())
        )
    return exclusion


async def list_exclusions(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Exclusion], str | None]:
    program = await program_or_404(session, caller, program_id)
    query = select(Exclusion).where(Exclusion.program_id == program.id)
    return await time_ordered_page(
        session, query, time_column=Exclusion.created_at, id_column=Exclusion.id, limit=limit, cursor=cursor
    )


async def delete_exclusion(session: AsyncSession, *, caller: Principal, exclusion_id: uuid.UUID) -> None:
    deleted = await session.execute(
        delete(Exclusion)
        .where(Exclusion.id == exclusion_id, Exclusion.organization == caller.organization)
        .returning(Exclusion.id)
    )
    if deleted.first() is None:
        raise not_found("exclusion")


# -- preferences --------------------------------------------------------------------------------


def _preferences_out(program_id: uuid.UUID, person_id: uuid.UUID, row: Preference | None) -> PreferencesOut:
    if row is None:
        return PreferencesOut(
            program_id=program_id,
            person_id=person_id,
            version=0,
            preferred_mentor_ids=[],
            avoided_mentor_ids=[],
            updated_at=None,
        )
    return PreferencesOut(
        program_id=program_id,
        person_id=person_id,
        version=row.version,
        preferred_mentor_ids=[uuid.UUID(value) for value in row.preferred_mentor_ids],
        avoided_mentor_ids=[uuid.UUID(value) for value in row.avoided_mentor_ids],
        updated_at=row.updated_at,
    )


async def get_preferences(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, person_id: uuid.UUID
) -> PreferencesOut:
    program = await program_or_404(session, caller, program_id)
    _self_or_admin(caller, person_id, "preferences")
    row = await session.get(Preference, (program.id, person_id))
    return _preferences_out(program.id, person_id, row)


async def put_preferences(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    person_id: uuid.UUID,
    body: PreferencesIn,
    if_match: str | None,
) -> PreferencesOut:
    """Set a mentee's preferred and avoided mentors (If-Match once they exist)."""
    program = await program_or_404(session, caller, program_id)
    _self_or_admin(caller, person_id, "preferences")
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
    return _preferences_out(program.id, person_id, row)


# -- feedback (calibration data) ----------------------------------------------------------------


async def list_ratings(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[MatchFeedback], str | None]:
    """Ratings of a program's matches with the score breakdown each match had, oldest first."""
    program = await program_or_404(session, caller, program_id)
    query = select(MatchFeedback).where(MatchFeedback.program_id == program.id)
    if cursor is not None:
        submitted, last_id = decode_cursor(cursor, arity=2)
        try:
            after = (dt.datetime.fromisoformat(submitted), uuid.UUID(last_id))
        except (TypeError, ValueError) as exc:
            raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc
        query = query.where(
            func.row(MatchFeedback.submitted_at, MatchFeedback.submission_id) > func.row(*after)
        )
    rows = (
        await session.scalars(
            query.order_by(MatchFeedback.submitted_at, MatchFeedback.submission_id).limit(limit + 1)
        )
    ).all()
    page = list(rows[:limit])
    next_cursor = (
        encode_cursor(page[-1].submitted_at.isoformat(), str(page[-1].submission_id))
        if len(rows) > limit and page
        else None
    )
    return page, next_cursor


# -- audit configuration ------------------------------------------------------------------------


def _config_out(row: AuditConfig | None, settings: MatchingSettings) -> AuditConfigOut:
    if row is None:
        return AuditConfigOut(attributes=[], min_group_size=settings.audit_min_group_size, version=0)
    return AuditConfigOut(
        attributes=[AuditAttribute(value) for value in row.attributes],
        min_group_size=row.min_group_size,
        version=row.version,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


async def get_audit_config(
    session: AsyncSession, *, caller: Principal, settings: MatchingSettings
) -> AuditConfigOut:
    return _config_out(await session.get(AuditConfig, caller.organization), settings)


async def put_audit_config(
    session: AsyncSession,
    *,
    caller: Principal,
    body: AuditConfigIn,
    if_match: str | None,
    settings: MatchingSettings,
) -> AuditConfigOut:
    """Mark which attributes may be audited, and the minimum group size (never below the service's)."""
    if body.min_group_size < settings.audit_min_group_size:
        raise Problem(
            422,
            f"min_group_size cannot be below {settings.audit_min_group_size}",
            errors=[{"field": "body.min_group_size", "message": "too small", "type": "greater_than_equal"}],
        )
    row = await session.get(AuditConfig, caller.organization, with_for_update=True)
    values: dict[str, Any] = {
        "attributes": [attribute.value for attribute in body.attributes],
        "min_group_size": body.min_group_size,
        "updated_by": caller.subject,
        "updated_at": utcnow(),
    }
    if row is None:
        row = AuditConfig(organization=caller.organization, version=1, **values)
        session.add(row)
    else:
        check_if_match(if_match, row.version)
        for name, value in values.items():
            setattr(row, name, value)
        row.version += 1
    await session.flush()
    return _config_out(row, settings)
