"""Use cases of circles: a round that forms them, the admin's answer (accept, decline), their end,
and a member leaving, whether they ask, an admin removes them or profiles says they left.

A member leaving ends only their membership: the circle goes on until no facilitator or no member
is left. Facilitators hold one of their slots (`MentorSlots`, their circle capacity in a circle
program) per accepted circle, taken with one conditional UPDATE, so concurrent accepts never
exceed it. Every change writes the circle's full state as an event in the same transaction.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict
from typing import Any

import anyio
import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from matching.candidates import enrolled, held_back, horizon_now, skill_labels
from matching.circles import CirclePlan, CircleRules, plan_circles
from matching.config import MatchingSettings
from matching.models import Circle, CircleMember, CircleRound, MentorSlots, Program, messaging
from matching.queries import program_or_404
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.constraints import Conflict, flush_or_conflict
from shared.contracts.matching import (
    CircleAccepted,
    CircleDeclined,
    CircleEnded,
    CircleMemberLeft,
    CircleMemberStatus,
    CircleProposed,
    CircleRole,
    CircleState,
    CircleStatus,
    MatchEndReason,
)
from shared.contracts.profiles import EnrollmentRole, MatchingMode, ProgramFormat, ProgramStatus
from shared.errors import Problem, not_found
from shared.events import Event
from shared.locks import advisory_lock
from shared.outbox import Outbox

OUTBOX = Outbox(messaging.outbox)
LIVE = (CircleStatus.PROPOSED.value, CircleStatus.ACCEPTED.value)
_CONFLICTS = {
    "uq_circle_members_live_member": Conflict(
        None, "a member is already in another circle of this program", slug="already-in-a-circle"
    ),
}


# -- state and events ---------------------------------------------------------------------------------


async def members_of(
    session: AsyncSession, circle_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[CircleMember]]:
    """The members of circles, facilitators first, then by fit (the order the state lists them in)."""
    found: dict[uuid.UUID, list[CircleMember]] = {circle_id: [] for circle_id in circle_ids}
    if not circle_ids:
        return found
    rows = await session.scalars(
        select(CircleMember)
        .where(CircleMember.circle_id.in_(circle_ids))
        .order_by(CircleMember.circle_id, CircleMember.position)
    )
    for member in rows:
        found[member.circle_id].append(member)
    return found


def circle_state(circle: Circle, members: list[CircleMember]) -> CircleState:
    """The full state of a circle, as every circle event carries it."""
    return CircleState.model_validate(
        {
            **{name: getattr(circle, name) for name in CircleState.model_fields if name != "members"},
            "members": [
                {
                    "person_id": member.person_id,
                    "role": member.role,
                    "status": member.status,
                    "score": member.score,
                    "reasons": member.reasons,
                    "left_at": member.left_at,
                    "left_reason": member.left_reason,
                }
                for member in members
            ],
        }
    )


async def _announce(
    session: AsyncSession, circle: Circle, event_type: type[Event], **fields: Any
) -> CircleState:
    members = (await members_of(session, [circle.id]))[circle.id]
    state = circle_state(circle, members)
    await OUTBOX.add(
        session, event_type(circle=state, **fields), organization=circle.organization, subject=str(circle.id)
    )
    return state


def _changed(circle: Circle) -> None:
    circle.version += 1
    circle.updated_at = utcnow()


# -- forming circles ------------------------------------------------------------------------------------


def circle_rules(program: Program, settings: MatchingSettings) -> CircleRules:
    """A circle program's rules: its sizes and facilitators, sessions, and the weeks a member must
    be free at the circle's time (most of the availability horizon, as for pairs)."""
    shape = (program.format_settings or {}).get("circle") or {}
    weeks = settings.availability_horizon_weeks
    return CircleRules(
        min_size=int(shape.get("min_size", 4)),
        max_size=int(shape.get("max_size", 8)),
        facilitators=int(shape.get("facilitators", 1)),
        session_minutes=program.session_length_minutes,
        min_weeks=max(1, -(-3 * weeks // 4)),
    )


def require_format(program: Program, program_format: ProgramFormat) -> None:
    if program.format != program_format.value:
        raise Problem(
            409,
            f"this is a {program.format} program, not a {program_format.value} program",
            slug="wrong-program-format",
        )


async def _facilitator_room(
    session: AsyncSession, program: Program, facilitators: list[uuid.UUID]
) -> np.ndarray:
    """Circles each facilitator can still take: capacity less accepted (slots used) and proposed ones."""
    slots = {
        row.mentor_id: row.capacity - row.used
        for row in await session.execute(
            select(MentorSlots.mentor_id, MentorSlots.capacity, MentorSlots.used).where(
                MentorSlots.program_id == program.id
            )
        )
    }
    proposed = {
        row.person_id: row.count
        for row in await session.execute(
            select(CircleMember.person_id, func.count().label("count"))
            .join(Circle, Circle.id == CircleMember.circle_id)
            .where(
                Circle.program_id == program.id,
                Circle.status == CircleStatus.PROPOSED.value,
                CircleMember.role == CircleRole.FACILITATOR.value,
                CircleMember.status == CircleMemberStatus.ACTIVE.value,
            )
            .group_by(CircleMember.person_id)
        )
    }
    return np.asarray(
        [max(0, slots.get(person, 0) - proposed.get(person, 0)) for person in facilitators], dtype=np.int64
    )


async def create_circle_round(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, settings: MatchingSettings
) -> tuple[CircleRound, list[Circle]]:
    """Form circles of the program's mentees who are in none yet (accepted at once in automatic programs)."""
    started = time.perf_counter()
    program = await program_or_404(session, caller, program_id)
    require_format(program, ProgramFormat.CIRCLE)
    if program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")
    # One round at a time per program: two would place the same mentees twice.
    await advisory_lock(session, f"matching.circle_round.{program.id}")
    placed = set(
        await session.scalars(
            select(CircleMember.person_id).where(
                CircleMember.program_id == program.id,
                CircleMember.role == CircleRole.MEMBER.value,
                CircleMember.status == CircleMemberStatus.ACTIVE.value,
            )
        )
    )
    held = await held_back(session, program)
    mentees = [
        person
        for person in await enrolled(session, program, EnrollmentRole.MENTEE)
        if person.person_id not in placed and person.person_id not in held.mentees
    ]
    facilitators = [
        person
        for person in await enrolled(session, program, EnrollmentRole.MENTOR)
        if person.person_id not in held.mentors
    ]
    room = await _facilitator_room(session, program, [person.person_id for person in facilitators])
    rules = circle_rules(program, settings)
    labels = await skill_labels(session, program.organization)
    horizon = horizon_now(settings)
    loaded = time.perf_counter()
    plan: CirclePlan = await anyio.to_thread.run_sync(
        lambda: plan_circles(
            mentees, facilitators, capacity=room, rules=rules, horizon=horizon, skill_labels=labels
        )
    )
    now = utcnow()
    unplaced = [{"person_id": str(person), "reason": reason} for person, reason in plan.unplaced]
    unplaced += [{"person_id": str(person), "reason": reason} for person, reason in held.mentees.items()]
    round_ = CircleRound(
        id=uuid.uuid4(),
        organization=program.organization,
        program_id=program.id,
        options=asdict(rules),
        stats={**plan.stats, "seconds": {"load": round(loaded - started, 3), **plan.stats["seconds"]}},
        unplaced=unplaced,
        created_by=caller.subject,
        created_at=now,
    )
    session.add(round_)
    circles: list[Circle] = []
    members: list[dict[str, Any]] = []
    for planned in plan.circles:
        circle = Circle(
            id=uuid.uuid4(),
            organization=program.organization,
            program_id=program.id,
            round_id=round_.id,
            version=1,
            status=CircleStatus.PROPOSED.value,
            topic=planned.topic,
            language=planned.language,
            meeting_weekday=planned.weekday,
            meeting_start=planned.start,
            score=planned.score,
            created_at=now,
            updated_at=now,
        )
        circles.append(circle)
        for position, member in enumerate([*planned.facilitators, *planned.members]):
            members.append(
                {
                    "circle_id": circle.id,
                    "person_id": member.person_id,
                    "organization": program.organization,
                    "program_id": program.id,
                    "role": member.role,
                    "status": CircleMemberStatus.ACTIVE.value,
                    "position": position,
                    "score": member.score,
                    "reasons": member.reasons,
                    "left_at": None,
                    "left_reason": None,
                }
            )
    session.add_all(circles)
    await flush_or_conflict(session, _CONFLICTS)
    if members:
        await session.execute(CircleMember.__table__.insert(), members)
    by_circle = await members_of(session, [circle.id for circle in circles])
    await OUTBOX.add_many(
        session,
        [
            (
                CircleProposed(circle=circle_state(circle, by_circle[circle.id])),
                circle.organization,
                str(circle.id),
            )
            for circle in circles
        ],
    )
    round_.stats = {
        **round_.stats,
        "seconds": {**round_.stats["seconds"], "persist": round(time.perf_counter() - loaded, 3)},
    }
    if program.matching_mode == MatchingMode.AUTOMATIC:
        for circle in circles:
            await _accept(session, circle)
    await session.flush()
    return round_, circles


# -- answers and ends -----------------------------------------------------------------------------------


async def circle_for_update(session: AsyncSession, caller: Principal, circle_id: uuid.UUID) -> Circle:
    """The circle, locked, if the caller may see it (members and admins), else 404."""
    circle = await session.scalar(
        select(Circle)
        .where(Circle.id == circle_id, Circle.organization == caller.organization)
        .with_for_update()
    )
    if circle is None or not await may_view(session, caller, circle):
        raise not_found("circle")
    return circle


async def may_view(session: AsyncSession, caller: Principal, circle: Circle) -> bool:
    """Admins see every circle; a person the circles they are or were in, and no other."""
    if caller.is_admin:
        return True
    person = _person_of(caller)
    if person is None:
        return False
    return await session.get(CircleMember, (circle.id, person)) is not None


def _person_of(caller: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(caller.subject)
    except ValueError:
        return None


def _require_status(circle: Circle, *allowed: CircleStatus) -> None:
    if circle.status not in {status.value for status in allowed}:
        raise Problem(409, f"the circle is {circle.status}", slug="invalid-transition")


async def _take_slots(session: AsyncSession, circle: Circle) -> None:
    """One slot of each active facilitator, or 409 (one conditional UPDATE each, in id order)."""
    facilitators = sorted(
        await session.scalars(
            select(CircleMember.person_id).where(
                CircleMember.circle_id == circle.id,
                CircleMember.role == CircleRole.FACILITATOR.value,
                CircleMember.status == CircleMemberStatus.ACTIVE.value,
            )
        )
    )
    for person in facilitators:
        taken = await session.execute(
            update(MentorSlots)
            .where(
                MentorSlots.program_id == circle.program_id,
                MentorSlots.mentor_id == person,
                MentorSlots.used < MentorSlots.capacity,
            )
            .values(used=MentorSlots.used + 1)
            .returning(MentorSlots.used)
        )
        if taken.first() is None:
            raise Problem(
                409, "a facilitator has no circle left in their capacity", slug="facilitator-at-capacity"
            )


async def _release_slot(session: AsyncSession, circle: Circle, person: uuid.UUID) -> None:
    await session.execute(
        update(MentorSlots)
        .where(
            MentorSlots.program_id == circle.program_id, MentorSlots.mentor_id == person, MentorSlots.used > 0
        )
        .values(used=MentorSlots.used - 1)
    )


async def _accept(session: AsyncSession, circle: Circle) -> CircleState:
    await _take_slots(session, circle)
    circle.status = CircleStatus.ACCEPTED.value
    _changed(circle)
    await session.flush()
    return await _announce(session, circle, CircleAccepted)


async def accept_circle(
    session: AsyncSession, *, caller: Principal, circle_id: uuid.UUID, if_match: str | None
) -> CircleState:
    """An admin accepts a proposed circle: its facilitators' slots are taken, its sessions may begin."""
    circle = await circle_for_update(session, caller, circle_id)
    _require_admin(caller)
    if if_match is not None:
        check_if_match(if_match, circle.version)
    _require_status(circle, CircleStatus.PROPOSED)
    return await _accept(session, circle)


async def decline_circle(
    session: AsyncSession, *, caller: Principal, circle_id: uuid.UUID, if_match: str | None
) -> CircleState:
    """An admin declines a proposed circle: its members are free for the next round."""
    circle = await circle_for_update(session, caller, circle_id)
    _require_admin(caller)
    if if_match is not None:
        check_if_match(if_match, circle.version)
    _require_status(circle, CircleStatus.PROPOSED)
    await _close_members(session, circle, MatchEndReason.ADMIN, release=False)
    circle.status = CircleStatus.DECLINED.value
    _changed(circle)
    await session.flush()
    return await _announce(session, circle, CircleDeclined)


async def end_circle(
    session: AsyncSession,
    *,
    caller: Principal,
    circle_id: uuid.UUID,
    reason: MatchEndReason | None,
    if_match: str | None,
) -> CircleState:
    """An admin, or one of its facilitators, ends a circle."""
    circle = await circle_for_update(session, caller, circle_id)
    person = _person_of(caller)
    if not caller.is_admin:
        member = await session.get(CircleMember, (circle.id, person)) if person else None
        if (
            member is None
            or member.role != CircleRole.FACILITATOR
            or member.status != CircleMemberStatus.ACTIVE
        ):
            raise Problem(403, "only its facilitators and admins end a circle")
    if if_match is not None:
        check_if_match(if_match, circle.version)
    _require_status(circle, CircleStatus.PROPOSED, CircleStatus.ACCEPTED)
    given = reason or (MatchEndReason.ADMIN if caller.is_admin else MatchEndReason.COMPLETED)
    if not caller.is_admin and given not in (MatchEndReason.COMPLETED, MatchEndReason.PARTICIPANT):
        given = MatchEndReason.PARTICIPANT
    return await _end(session, circle, given)


async def _end(session: AsyncSession, circle: Circle, reason: MatchEndReason) -> CircleState:
    await _close_members(session, circle, reason, release=circle.status == CircleStatus.ACCEPTED)
    circle.status = CircleStatus.ENDED.value
    circle.end_reason = reason.value
    circle.ended_at = utcnow()
    _changed(circle)
    await session.flush()
    return await _announce(session, circle, CircleEnded)


async def _close_members(
    session: AsyncSession, circle: Circle, reason: MatchEndReason, *, release: bool
) -> None:
    """Everyone still in the circle leaves with it (facilitators give their slot back if it ran)."""
    now = utcnow()
    for member in (await members_of(session, [circle.id]))[circle.id]:
        if member.status != CircleMemberStatus.ACTIVE:
            continue
        member.status = CircleMemberStatus.LEFT.value
        member.left_at = now
        member.left_reason = reason.value
        if release and member.role == CircleRole.FACILITATOR:
            await _release_slot(session, circle, member.person_id)


async def leave_circle(
    session: AsyncSession,
    *,
    caller: Principal,
    circle_id: uuid.UUID,
    person_id: uuid.UUID,
    if_match: str | None,
) -> CircleState:
    """A member leaves (or an admin removes them): only their membership ends."""
    circle = await circle_for_update(session, caller, circle_id)
    if not caller.is_admin and _person_of(caller) != person_id:
        raise Problem(403, "a member leaves a circle themself; an admin may remove anyone")
    if if_match is not None:
        check_if_match(if_match, circle.version)
    _require_status(circle, CircleStatus.PROPOSED, CircleStatus.ACCEPTED)
    reason = (
        MatchEndReason.ADMIN
        if caller.is_admin and _person_of(caller) != person_id
        else MatchEndReason.PARTICIPANT
    )
    return await _leave(session, circle, person_id, reason)


async def _leave(
    session: AsyncSession, circle: Circle, person_id: uuid.UUID, reason: MatchEndReason
) -> CircleState:
    member = await session.get(CircleMember, (circle.id, person_id), with_for_update=True)
    if member is None or member.status != CircleMemberStatus.ACTIVE:
        raise not_found("active member of this circle")
    member.status = CircleMemberStatus.LEFT.value
    member.left_at = utcnow()
    member.left_reason = reason.value
    if member.role == CircleRole.FACILITATOR and circle.status == CircleStatus.ACCEPTED:
        await _release_slot(session, circle, person_id)
    _changed(circle)
    await session.flush()
    state = await _announce(session, circle, CircleMemberLeft, person_id=person_id)
    remaining = {
        role: sum(
            1 for item in state.members if item.role == role and item.status == CircleMemberStatus.ACTIVE
        )
        for role in CircleRole
    }
    if not remaining[CircleRole.FACILITATOR] or not remaining[CircleRole.MEMBER]:
        # Nobody left to lead, or to be led: the circle ends with the reason its last one left for.
        return await _end(session, circle, reason)
    return state


async def leave_circles(
    session: AsyncSession,
    *,
    organization: str,
    person_id: uuid.UUID,
    reason: MatchEndReason,
    program_id: uuid.UUID | None = None,
) -> int:
    """A leaver's memberships end (deactivated, enrollment withdrawn): each circle goes on without them."""
    query = (
        select(Circle)
        .join(CircleMember, CircleMember.circle_id == Circle.id)
        .where(
            Circle.organization == organization,
            Circle.status.in_(LIVE),
            CircleMember.person_id == person_id,
            CircleMember.status == CircleMemberStatus.ACTIVE.value,
        )
        .order_by(Circle.id)
        .with_for_update(of=Circle)
    )
    if program_id is not None:
        query = query.where(Circle.program_id == program_id)
    circles = (await session.scalars(query)).all()
    for circle in circles:
        await _leave(session, circle, person_id, reason)
    return len(circles)


async def end_program_circles(session: AsyncSession, *, organization: str, program_id: uuid.UUID) -> int:
    """A closed program's circles end."""
    circles = (
        await session.scalars(
            select(Circle)
            .where(
                Circle.organization == organization, Circle.program_id == program_id, Circle.status.in_(LIVE)
            )
            .order_by(Circle.id)
            .with_for_update()
        )
    ).all()
    for circle in circles:
        await _end(session, circle, MatchEndReason.PROGRAM_CLOSED)
    return len(circles)


def _require_admin(caller: Principal) -> None:
    if not caller.is_admin:
        raise Problem(403, "only admins answer a circle proposal")
