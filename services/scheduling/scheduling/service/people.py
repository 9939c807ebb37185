"""People as scheduling knows them from profiles' events: a deactivated person (a leaver, also
when deprovisioned through SCIM) changes nothing here, even with a token that has not expired."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries
from shared.auth import Principal
from shared.errors import Problem


async def require_active_caller(session: AsyncSession, caller: Principal) -> None:
    """403 when the caller is a person profiles deactivated. A person not known here (yet) passes:
    the read model can only speak for the people it has heard of."""
    person_id = access.person_id_of(caller)
    if person_id is None:
        return
    active = await queries.person_active(session, organization=caller.organization, person_id=person_id)
    if active is False:
        raise Problem(
            403, "your profile is deactivated: you can no longer change schedules", slug="person-deactivated"
        )
