"""Use cases of the fairness audit: the outcomes of a round, or of a program's live matches.

Attribute values are read from the read model inside the service and only ever leave it as
aggregates (see fairness): the API has no way to return an individual's attribute.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.candidates import ELIGIBLE_ENROLLMENT
from matching.config import MatchingSettings
from matching.fairness import Audit, AuditAttribute, AuditSubject, audit, region_of
from matching.lifecycle import LIVE
from matching.models import AuditConfig, Enrollment, Match, Person, RoundProposal
from matching.rounds import get_round
from matching.schemas import AuditOut
from matching.service import program_or_404
from shared.auth import Principal
from shared.contracts.matching import MatchStatus
from shared.contracts.profiles import EnrollmentRole
from shared.errors import Problem

_DECIDED_AGAINST = (MatchStatus.DECLINED.value, MatchStatus.EXPIRED.value)


async def _config(session: AsyncSession, organization: str) -> AuditConfig:
    config = await session.get(AuditConfig, organization)
    if config is None or not config.attributes:
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


async def _people(session: AsyncSession, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    if not person_ids:
        return {}
    rows = await session.execute(
        select(Person.id, Person.department, Person.seniority, Person.time_zone).where(
            Person.id.in_(person_ids)
        )
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


def _out(result: Audit, *, scope: str, scope_id: uuid.UUID) -> AuditOut:
    return AuditOut.model_validate(
        {
            "scope": scope,
            "scope_id": scope_id,
            "subjects": result.subjects,
            "matched": result.matched,
            "match_rate": result.match_rate,
            "min_group_size": result.min_group_size,
            "attributes": [
                {
                    "attribute": item.attribute,
                    "suppressed_groups": item.suppressed_groups,
                    "flagged_groups": item.flagged_groups,
                    "groups": [group.__dict__ for group in item.groups],
                }
                for item in result.attributes
            ],
        }
    )


async def audit_round(
    session: AsyncSession, *, caller: Principal, round_id: uuid.UUID, settings: MatchingSettings
) -> AuditOut:
    """Match rate, mean score and (once published) acceptance per group of a round's mentees."""
    round_ = await get_round(session, caller, round_id)
    config = await _config(session, caller.organization)
    proposals = (
        await session.execute(
            select(RoundProposal.mentee_id, RoundProposal.mentor_id, RoundProposal.score).where(
                RoundProposal.round_id == round_.id
            )
        )
    ).all()
    people = await _people(session, [row.mentee_id for row in proposals])
    decisions = await _decisions(session, round_id=round_.id)
    subjects = [
        AuditSubject(
            attributes=_attributes(people[row.mentee_id]) if row.mentee_id in people else {},
            matched=row.mentor_id is not None,
            score=row.score if row.mentor_id is not None else None,
            accepted=decisions.get(row.mentee_id, (0, 0))[0],
            decided=decisions.get(row.mentee_id, (0, 0))[1],
        )
        for row in proposals
    ]
    result = audit(
        subjects, config.attributes, min_group_size=max(config.min_group_size, settings.audit_min_group_size)
    )
    return _out(result, scope="round", scope_id=round_.id)


async def audit_program(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, settings: MatchingSettings
) -> AuditOut:
    """Per group of the program's enrolled mentees: share with a live mentor, scores, acceptance."""
    program = await program_or_404(session, caller, program_id)
    config = await _config(session, caller.organization)
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
    people = await _people(session, mentee_ids)
    live = {
        row.mentee_id: row.score
        for row in await session.execute(
            select(Match.mentee_id, Match.score).where(
                Match.program_id == program.id, Match.status.in_([status.value for status in LIVE])
            )
        )
    }
    decisions = await _decisions(session, program_id=program.id)
    subjects = [
        AuditSubject(
            attributes=_attributes(people[mentee]) if mentee in people else {},
            matched=mentee in live,
            score=live.get(mentee),
            accepted=decisions.get(mentee, (0, 0))[0],
            decided=decisions.get(mentee, (0, 0))[1],
        )
        for mentee in mentee_ids
    ]
    result = audit(
        subjects, config.attributes, min_group_size=max(config.min_group_size, settings.audit_min_group_size)
    )
    return _out(result, scope="program", scope_id=program.id)
