"""Who may see and change a mentorship's schedule: pure decisions over the verified caller.

Queries are scoped to the caller's organization first, so these decisions only ever concern
entities of the caller's own organization. Someone who may not see a mentorship gets a 404 (it
might as well not exist); a 403 is only given about something the caller can see.
"""

from __future__ import annotations

import uuid
from typing import Any

from shared.auth import Principal


def person_id_of(caller: Principal) -> uuid.UUID | None:
    """The caller's person id: the token subject, when it is one (an integration's is not)."""
    try:
        return uuid.UUID(caller.subject)
    except ValueError:
        return None


def sees_organization(caller: Principal) -> bool:
    """Admins and the HR integration see every mentorship of their organization."""
    return caller.is_admin or caller.is_integration


def is_participant(caller: Principal, mentorship: Any) -> bool:
    me = person_id_of(caller)
    return me is not None and me in (mentorship.mentor_id, mentorship.mentee_id)


def may_view(caller: Principal, mentorship: Any) -> bool:
    """`mentorship` is anything with `mentor_id` and `mentee_id` (a mentorship or a session)."""
    return sees_organization(caller) or is_participant(caller, mentorship)


def may_schedule(caller: Principal, mentorship: Any) -> bool:
    """Book, move, cancel, complete: the pair themselves and admins (not the read-only integration)."""
    return caller.is_admin or is_participant(caller, mentorship)
