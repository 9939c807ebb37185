"""Who may see and act on what: pure decisions over the verified caller and a match.

Queries are scoped to the caller's organization first, so these decisions only ever see matches
of the caller's organization; anyone who may not see a match gets a 404, never a 403.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from matching.lifecycle import Action
from shared.auth import Principal
from shared.contracts.matching import MatchEndReason, MatchStatus
from shared.errors import Problem


class MatchLike(Protocol):
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    status: str


def person_id_of(caller: Principal) -> uuid.UUID | None:
    """The caller's person id: the token subject, when it is one (an integration's is not)."""
    try:
        return uuid.UUID(caller.subject)
    except ValueError:
        return None


def is_participant(caller: Principal, match: MatchLike) -> bool:
    person = person_id_of(caller)
    return person is not None and person in (match.mentee_id, match.mentor_id)


def require_self_or_admin(caller: Principal, person_id: uuid.UUID, what: str) -> None:
    """A person's suggestions and preferences are theirs, or an admin's, to see and change (else 403)."""
    if not caller.is_admin and person_id_of(caller) != person_id:
        raise Problem(403, f"{what} are the person's own, or an admin's to see and change")


def may_view(caller: Principal, match: MatchLike) -> bool:
    return caller.is_admin or is_participant(caller, match)


def may_act(caller: Principal, match: MatchLike, action: Action) -> bool:
    """Accepting a request is the mentor's; a proposal needs both participants (or an admin)."""
    if caller.is_admin:
        return True
    person = person_id_of(caller)
    if action is Action.ACCEPT and match.status == MatchStatus.REQUESTED:
        return person == match.mentor_id
    return is_participant(caller, match)


def end_reason_for(caller: Principal, requested: MatchEndReason | None) -> MatchEndReason:
    """Admins may give any reason; participants end a match as `participant` or `completed`."""
    if caller.is_admin:
        return requested or MatchEndReason.ADMIN
    if requested is MatchEndReason.COMPLETED:
        return MatchEndReason.COMPLETED
    return MatchEndReason.PARTICIPANT
