"""Leavers: a deactivated person keeps a valid token until it expires, but no longer writes.

Deactivation (by an admin, the HR integration or a SCIM delete) cannot recall the tokens the
identity provider already signed, so the check is made where it matters: on every write of the
profiles API, against the person's current state.
"""

from __future__ import annotations

from sqlalchemy import select

from profiles.models import Person
from shared.auth import Principal
from shared.errors import Problem
from shared.runtime import Runtime


async def refuse_leaver(runtime: Runtime, caller: Principal) -> None:
    """A 403 problem when the caller is a deactivated person of their organization."""
    person_id = caller.person_id
    if person_id is None:
        return
    async with runtime.read_sessions() as session:
        active = await session.scalar(
            select(Person.active).where(Person.id == person_id, Person.organization == caller.organization)
        )
    if active is False:
        raise Problem(
            403,
            "your profile is deactivated: it can no longer be changed, nor can anything be added for you",
            slug="person-deactivated",
        )
