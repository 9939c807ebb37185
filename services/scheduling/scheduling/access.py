"""Who may see and change a match's schedule: pure decisions over the verified caller.

Queries are scoped to the caller's organization first, so these decisions only ever concern
entities of the caller's own organization. Someone who may not see a match gets a 404 (it might as
well not exist); a 403 is only given about something the caller can see.
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
    """Admins and the HR integration see every match of their organization."""
    return caller.is_admin or caller.is_integration


def viewer_of(caller: Principal) -> uuid.UUID | None:
    """Whose matches and sessions a list shows: None for everyone's (admins, the integration), else
    the caller's own (a token whose subject is no person sees nobody's)."""
    if sees_organization(caller):
        return None
    return person_id_of(caller) or uuid.UUID(int=0)


def is_participant(caller: Principal, pair: Any) -> bool:
    me = person_id_of(caller)
    return me is not None and me in (pair.mentor_id, pair.mentee_id)


def may_view(caller: Principal, pair: Any) -> bool:
    """`pair` is anything with `mentor_id` and `mentee_id` (a match or a session)."""
    return sees_organization(caller) or is_participant(caller, pair)


def sees_email_of(caller: Principal, person_id: uuid.UUID) -> bool:
    """Whose email address a calendar shows the caller, as profiles shows it: everyone's to admins
    and the integration, else only the caller's own (members see each other without emails)."""
    return sees_organization(caller) or person_id_of(caller) == person_id


def may_schedule(caller: Principal, pair: Any) -> bool:
    """Book, move, cancel, complete: the pair themselves and admins (not the read-only integration)."""
    return caller.is_admin or is_participant(caller, pair)
