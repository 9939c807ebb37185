"""Reads of circles and circle rounds, scoped to the caller's organization: a person sees the circles
they are or were in, admins every circle of their organization."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.config import MatchingSettings
from matching.fairness import Audit, audit
from matching.models import Circle, CircleMember, CircleRound
from matching.queries import _auditable, _audited_people, _subject
from matching.service.circles import circle_state, may_view, members_of
from shared.auth import Principal
from shared.contracts.matching import CircleRole, CircleState, CircleStatus
from shared.errors import not_found
from shared.pagination import keyset_page

Page = tuple[list[Any], str | None]


async def circle_or_404(session: AsyncSession, caller: Principal, circle_id: uuid.UUID) -> CircleState:
    circle = await session.scalar(
        select(Circle).where(Circle.id == circle_id, Circle.organization == caller.organization)
    )
    if circle is None or not await may_view(session, caller, circle):
        raise not_found("circle")
    return circle_state(circle, (await members_of(session, [circle.id]))[circle.id])


async def list_circles(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID | None,
    round_id: uuid.UUID | None,
    status: CircleStatus | None,
    person_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[CircleState], str | None]:
    """The caller's circles (an admin's: the organization's), oldest first."""
    query = select(Circle).where(Circle.organization == caller.organization)
    # Members see their own circles only (a token whose subject is no person sees none).
    viewer = None if caller.is_admin else (_person(caller) or uuid.UUID(int=0))
    for person in (viewer, person_id):
        if person is not None:
            query = query.where(
                Circle.id.in_(select(CircleMember.circle_id).where(CircleMember.person_id == person))
            )
    if program_id is not None:
        query = query.where(Circle.program_id == program_id)
    if round_id is not None:
        query = query.where(Circle.round_id == round_id)
    if status is not None:
        query = query.where(Circle.status == status.value)
    circles, next_cursor = await keyset_page(
        session, query, key=(Circle.created_at, Circle.id), limit=limit, cursor=cursor, scalars=True
    )
    members = await members_of(session, [circle.id for circle in circles])
    return [circle_state(circle, members[circle.id]) for circle in circles], next_cursor


def _person(caller: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(caller.subject)
    except ValueError:
        return None


async def circle_round_or_404(session: AsyncSession, caller: Principal, round_id: uuid.UUID) -> CircleRound:
    round_ = await session.scalar(
        select(CircleRound).where(CircleRound.id == round_id, CircleRound.organization == caller.organization)
    )
    if round_ is None:
        raise not_found("circle round")
    return round_


async def list_circle_rounds(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    query = select(CircleRound).where(
        CircleRound.organization == caller.organization, CircleRound.program_id == program_id
    )
    return await keyset_page(
        session, query, key=(CircleRound.created_at, CircleRound.id), limit=limit, cursor=cursor, scalars=True
    )


async def audit_circle_round(
    session: AsyncSession, *, caller: Principal, round_id: uuid.UUID, settings: MatchingSettings
) -> Audit:
    """Who got a place in a circle round, per group: placed rate and mean fit (aggregates only)."""
    round_ = await circle_round_or_404(session, caller, round_id)
    config = await _auditable(session, caller.organization)
    placed: dict[uuid.UUID, float | None] = {}
    rows = await session.execute(
        select(CircleMember.person_id, CircleMember.score)
        .join(Circle, Circle.id == CircleMember.circle_id)
        .where(Circle.round_id == round_.id, CircleMember.role == CircleRole.MEMBER.value)
    )
    for row in rows:
        placed[row.person_id] = row.score if row.score is not None else 0.0
    unplaced = [uuid.UUID(item["person_id"]) for item in round_.unplaced]
    people = await _audited_people(session, [*placed, *unplaced])
    subjects = [_subject(people.get(person), score=score, decisions=None) for person, score in placed.items()]
    subjects += [_subject(people.get(person), score=None, decisions=None) for person in unplaced]
    min_group_size = max(config.min_group_size, settings.audit_min_group_size)
    return audit(
        subjects, config.attributes, min_group_size=min_group_size, self_identified=config.self_identified
    )
