"""Reads of the matching service, always scoped to the caller's organization.

Lookups answer 404 for what the caller may not see (never 403 for another's match); lists are
keyset pages (shared.pagination). Suggestions are a read too: scores of one mentee against the
program's cached mentor pool, computed off the event loop.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.access import may_view, person_id_of, require_self_or_admin
from matching.candidates import ELIGIBLE_ENROLLMENT, PoolCache, enrolled, full_mentors, held_back, pair_rules
from matching.config import MatchingSettings
from matching.fairness import Audit, AuditAttribute, AuditSubject, audit, region_of
from matching.lifecycle import LIVE
from matching.models import (
    AuditConfig,
    Circle,
    CircleMember,
    Enrollment,
    Exclusion,
    IdentityGroups,
    Match,
    MatchFeedback,
    Person,
    Preference,
    Program,
    Round,
    RoundProposal,
)
from matching.pool import MenteeBatch, Participant
from matching.ranking import ExplainedPair, suggest
from matching.scoring import Scorer
from shared.auth import Principal
from shared.contracts.matching import CircleMemberStatus, CircleRole, CircleStatus, MatchStatus
from shared.contracts.profiles import EnrollmentRole, ProgramFormat, ProgramStatus
from shared.errors import Problem, not_found
from shared.pagination import keyset_page

Page = tuple[list[Any], str | None]

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
    """The person's pending or active enrollment in `program` as `role` (locked when `lock`)."""
    query = select(Enrollment).where(
        Enrollment.program_id == program.id,
        Enrollment.person_id == person_id,
        Enrollment.role == role.value,
        Enrollment.status.in_(ELIGIBLE_ENROLLMENT),
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def match_or_404(session: AsyncSession, caller: Principal, match_id: uuid.UUID) -> Match:
    """A match the caller may see: a participant's own, or any of an admin's organization."""
    match = await session.scalar(
        select(Match).where(Match.id == match_id, Match.organization == caller.organization)
    )
    if match is None or not may_view(caller, match):
        raise not_found("match")
    return match


async def round_or_404(session: AsyncSession, caller: Principal, round_id: uuid.UUID) -> Round:
    round_ = await session.scalar(
        select(Round).where(Round.id == round_id, Round.organization == caller.organization)
    )
    if round_ is None:
        raise not_found("round")
    return round_


async def preferences_of(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, person_id: uuid.UUID
) -> tuple[Program, Preference | None]:
    """A mentee's preferences in a program (None before any were set): their own, or an admin's view."""
    program = await program_or_404(session, caller, program_id)
    require_self_or_admin(caller, person_id, "preferences")
    return program, await session.get(Preference, (program.id, person_id))


async def audit_config_of(session: AsyncSession, organization: str) -> AuditConfig | None:
    return await session.get(AuditConfig, organization)


# -- lists --------------------------------------------------------------------------------------


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
) -> Page:
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
    return await keyset_page(
        session, query, key=(Match.created_at, Match.id), limit=limit, cursor=cursor, scalars=True
    )


async def list_rounds(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    """A program's rounds, oldest first."""
    program = await program_or_404(session, caller, program_id)
    query = select(Round).where(Round.program_id == program.id)
    return await keyset_page(
        session, query, key=(Round.created_at, Round.id), limit=limit, cursor=cursor, scalars=True
    )


async def list_proposals(
    session: AsyncSession,
    *,
    caller: Principal,
    round_id: uuid.UUID,
    waitlisted: bool | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """A round's mentees in id order, with their proposed mentor (or none: `waitlisted`)."""
    await round_or_404(session, caller, round_id)
    query = select(RoundProposal).where(RoundProposal.round_id == round_id)
    if waitlisted is not None:
        query = query.where(
            RoundProposal.mentor_id.is_(None) if waitlisted else RoundProposal.mentor_id.is_not(None)
        )
    return await keyset_page(
        session, query, key=(RoundProposal.mentee_id,), limit=limit, cursor=cursor, scalars=True
    )


async def list_exclusions(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    """A program's excluded pairs, oldest first."""
    program = await program_or_404(session, caller, program_id)
    query = select(Exclusion).where(Exclusion.program_id == program.id)
    return await keyset_page(
        session, query, key=(Exclusion.created_at, Exclusion.id), limit=limit, cursor=cursor, scalars=True
    )


async def list_ratings(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    """Ratings of a program's matches with the score breakdown each match had, oldest first."""
    program = await program_or_404(session, caller, program_id)
    query = select(MatchFeedback).where(MatchFeedback.program_id == program.id)
    return await keyset_page(
        session,
        query,
        key=(MatchFeedback.submitted_at, MatchFeedback.submission_id),
        limit=limit,
        cursor=cursor,
        scalars=True,
    )


# -- suggestions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotReady:
    """Someone a readiness gate holds back from a mentee's suggestions, and why."""

    person_id: uuid.UUID
    role: EnrollmentRole
    reason: str


@dataclass(frozen=True)
class Suggestions:
    program_id: uuid.UUID
    mentee_id: uuid.UUID
    items: list[tuple[Participant, ExplainedPair]]  # (mentor, explained pair), best first
    # The mentee themself when held back (then no items); for an admin, the mentors held back too.
    not_ready: list[NotReady] = field(default_factory=list)


async def suggestions(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    mentee_id: uuid.UUID | None,
    limit: int,
    pools: PoolCache,
    settings: MatchingSettings,
) -> Suggestions:
    """The best feasible mentors for a mentee in a program, explained (the mentee's own, or an admin's)."""
    program = await program_or_404(session, caller, program_id)
    mentee_id = mentee_id or person_id_of(caller)
    if mentee_id is None:
        raise Problem(422, "mentee_id is required for a caller who is not a person")
    require_self_or_admin(caller, mentee_id, "suggestions")
    mentees = await enrolled(session, program, EnrollmentRole.MENTEE, person_ids=[mentee_id])
    if not mentees:
        raise not_found("mentee enrollment in this program")
    # Readiness gates (training) are a hard filter: a held-back mentee gets no suggestions, and a
    # held-back mentor is treated as one without an open slot.
    held = await held_back(session, program, mentee_ids=[mentee_id])
    own_reason = held.mentees.get(mentee_id)
    if own_reason is not None:
        return Suggestions(
            program_id=program.id,
            mentee_id=mentee_id,
            items=[],
            not_ready=[NotReady(mentee_id, EnrollmentRole.MENTEE, own_reason)],
        )
    cached = await pools.get(session, program, settings)
    rules = await pair_rules(
        session, program, managers=cached.managers, mentee_ids=[mentee_id], exclude_in_progress=True
    )
    full = await full_mentors(session, program)

    def rank() -> list[tuple[Participant, ExplainedPair]]:
        pool = cached.pool
        batch = MenteeBatch.build(mentees, pool, rules)
        scorer = Scorer(pool, batch, cached.policy, open_slots=cached.open_slots(full | set(held.mentors)))
        pairs = suggest(scorer, 0, limit, skill_labels=cached.skill_labels)
        return [(pool.mentors[pair.mentor], pair) for pair in pairs]

    items = await anyio.to_thread.run_sync(rank)
    # A mentor's course progress is theirs and their admins' to see, not a mentee's.
    not_ready = (
        [
            NotReady(mentor_id, EnrollmentRole.MENTOR, reason)
            for mentor_id, reason in sorted(held.mentors.items())
            if mentor_id in cached.pool.index_of
        ]
        if caller.is_admin
        else []
    )
    return Suggestions(program_id=program.id, mentee_id=mentee_id, items=items, not_ready=not_ready)


# -- fairness audit -----------------------------------------------------------------------------
# Attribute values are read inside the service and only ever leave it as aggregates (see
# fairness): the API has no way to return an individual's attribute.

_DECIDED_AGAINST = (MatchStatus.DECLINED.value, MatchStatus.EXPIRED.value)


async def _auditable(session: AsyncSession, organization: str) -> AuditConfig:
    config = await session.get(AuditConfig, organization)
    if config is None or not (config.attributes or config.self_identified):
        raise Problem(
            409,
            "the organization has not marked any attribute as auditable (PUT /v1/audit/config)",
            slug="audit-not-configured",
        )
    return config


def _attributes(person: Any) -> dict[str, str | None]:
    return {
        AuditAttribute.DEPARTMENT.value: person.department,
        AuditAttribute.SENIORITY.value: person.seniority,
        AuditAttribute.TIME_ZONE_REGION.value: region_of(person.time_zone),
    }


async def _audited_people(session: AsyncSession, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """Audited attributes of people, with the pseudonymous groups they consented to report on."""
    if not person_ids:
        return {}
    rows = await session.execute(
        select(
            Person.id,
            Person.department,
            Person.seniority,
            Person.time_zone,
            IdentityGroups.fairness.label("identity_groups"),
        )
        .outerjoin(IdentityGroups, IdentityGroups.person_id == Person.id)
        .where(Person.id.in_(person_ids))
    )
    return {row.id: row for row in rows}


async def _decisions(
    session: AsyncSession, *, program_id: uuid.UUID | None = None, round_id: uuid.UUID | None = None
) -> dict[uuid.UUID, tuple[int, int]]:
    """Per mentee: (offers accepted, offers answered)."""
    query = select(Match.mentee_id, Match.status, Match.accepted_at)
    if program_id is not None:
        query = query.where(Match.program_id == program_id)
    if round_id is not None:
        query = query.where(Match.round_id == round_id)
    counts: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
    for row in await session.execute(query):
        if row.accepted_at is not None:
            counts[row.mentee_id][0] += 1
            counts[row.mentee_id][1] += 1
        elif row.status in _DECIDED_AGAINST:
            counts[row.mentee_id][1] += 1
    return {mentee: (accepted, decided) for mentee, (accepted, decided) in counts.items()}


def _subject(person: Any | None, *, score: float | None, decisions: tuple[int, int] | None) -> AuditSubject:
    accepted, decided = decisions or (0, 0)
    return AuditSubject(
        attributes=_attributes(person) if person is not None else {},
        identity_groups=(person.identity_groups or {}) if person is not None else {},
        matched=score is not None,
        score=score,
        accepted=accepted,
        decided=decided,
    )


async def audit_round(
    session: AsyncSession, *, caller: Principal, round_id: uuid.UUID, settings: MatchingSettings
) -> Audit:
    """Match rate, mean score and (once published) acceptance per group of a round's mentees."""
    round_ = await round_or_404(session, caller, round_id)
    config = await _auditable(session, caller.organization)
    proposals = (
        await session.execute(
            select(RoundProposal.mentee_id, RoundProposal.mentor_id, RoundProposal.score).where(
                RoundProposal.round_id == round_.id
            )
        )
    ).all()
    people = await _audited_people(session, [row.mentee_id for row in proposals])
    decisions = await _decisions(session, round_id=round_.id)
    subjects = [
        _subject(
            people.get(row.mentee_id),
            score=row.score if row.mentor_id is not None else None,
            decisions=decisions.get(row.mentee_id),
        )
        for row in proposals
    ]
    min_group_size = max(config.min_group_size, settings.audit_min_group_size)
    return audit(
        subjects, config.attributes, min_group_size=min_group_size, self_identified=config.self_identified
    )


async def audit_program(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, settings: MatchingSettings
) -> Audit:
    """Per group of the program's enrolled mentees: share with a live mentor, scores, acceptance."""
    program = await program_or_404(session, caller, program_id)
    config = await _auditable(session, caller.organization)
    mentee_ids = [
        row.person_id
        for row in await session.execute(
            select(Enrollment.person_id).where(
                Enrollment.program_id == program.id,
                Enrollment.role == EnrollmentRole.MENTEE.value,
                Enrollment.status.in_(ELIGIBLE_ENROLLMENT),
            )
        )
    ]
    people = await _audited_people(session, mentee_ids)
    live = {
        row.mentee_id: row.score
        for row in await session.execute(
            select(Match.mentee_id, Match.score).where(
                Match.program_id == program.id, Match.status.in_([status.value for status in LIVE])
            )
        )
    }
    if program.format == ProgramFormat.CIRCLE.value:
        live.update(await circle_places(session, program.id))
    decisions = await _decisions(session, program_id=program.id)
    subjects = [
        _subject(people.get(mentee), score=live.get(mentee), decisions=decisions.get(mentee))
        for mentee in mentee_ids
    ]
    min_group_size = max(config.min_group_size, settings.audit_min_group_size)
    return audit(
        subjects, config.attributes, min_group_size=min_group_size, self_identified=config.self_identified
    )


async def circle_places(session: AsyncSession, program_id: uuid.UUID) -> dict[uuid.UUID, float]:
    """Members of a circle program's running circles with their fit: in a circle program, a place in
    a circle is what a live match is in a pair program (the fairness audit counts it)."""
    rows = await session.execute(
        select(CircleMember.person_id, CircleMember.score)
        .join(Circle, Circle.id == CircleMember.circle_id)
        .where(
            Circle.program_id == program_id,
            Circle.status == CircleStatus.ACCEPTED.value,
            CircleMember.role == CircleRole.MEMBER.value,
            CircleMember.status == CircleMemberStatus.ACTIVE.value,
        )
    )
    return {row.person_id: float(row.score or 0.0) for row in rows}
