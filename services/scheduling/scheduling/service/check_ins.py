"""Facilitated check-ins: a program admin meets a pair, booked as a three-way session of the match
in the common slots of all three (the pair's booking and slot search, with the admin as a third
participant whose availability counts and whose time is blocked under the same no-double-booking
constraint). The session is the pair's like any other: its events, reminders, agenda and notes in
the workspace; `facilitator_id` says who facilitates.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.models import Person
from scheduling.queries import MatchContext
from shared.auth import Principal
from shared.errors import Problem

FACILITATOR_UNKNOWN = (
    "a facilitated check-in needs your own profile (time zone and availability) known here: "
    "sign in as a person of the organization"
)


async def facilitator_of(session: AsyncSession, *, caller: Principal, context: MatchContext) -> Person:
    """The admin opening a check-in, as a person scheduling knows (403 for anyone but an admin;
    409 when their profile is unknown or inactive, or when they are one of the pair)."""
    if not caller.is_admin:
        raise Problem(403, "only the program's admins open facilitated check-ins")
    person = (
        await session.scalar(
            select(Person).where(Person.id == caller.person_id, Person.organization == caller.organization)
        )
        if caller.person_id is not None
        else None
    )
    if person is None or not person.active:
        raise Problem(409, FACILITATOR_UNKNOWN, slug="facilitator-unknown", title="Facilitator unknown")
    if person.id in context.participant_ids:
        raise Problem(409, "a facilitator is a third person, not one of the pair", slug="facilitator-in-pair")
    return person
