"""A match as scheduling sees it: who may schedule its sessions, and whether it can take them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries
from scheduling.models import MatchStatus
from scheduling.queries import MatchContext
from shared.auth import Principal
from shared.contracts.profiles import ProgramStatus
from shared.errors import Problem, not_found


async def visible_match(
    session: AsyncSession, *, caller: Principal, match_id: uuid.UUID, lock: bool = False
) -> MatchContext:
    """The match if the caller may see it (else 404); `lock` holds it and its people steady."""
    context = await queries.match_context(
        session, organization=caller.organization, match_id=match_id, lock=lock
    )
    if context is None or not access.may_view(caller, context.match):
        raise not_found("match")
    return context


def require_scheduler(caller: Principal, context: MatchContext) -> None:
    if not access.may_schedule(caller, context.match):
        raise Problem(403, "only the mentor, the mentee and admins schedule this match's sessions")


def require_open(context: MatchContext) -> None:
    """The match can take new or moved sessions: it is active and everything it needs is known.

    The problem types keep their first names (`mentorship-ended`, ...): clients tell them apart.
    """
    if context.match.status != MatchStatus.ACTIVE:
        raise Problem(409, "the match has ended", slug="mentorship-ended")
    if context.program is None or context.mentor is None or context.mentee is None:
        # Program and people arrive as events from profiles; they normally precede the match.
        raise Problem(
            409,
            "the match's program or participants are not known here yet; retry in a moment",
            slug="mentorship-not-ready",
        )
    if context.program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")
    inactive = [person.name for person in (context.mentor, context.mentee) if not person.active]
    if inactive:
        raise Problem(409, f"deactivated: {', '.join(inactive)}", slug="participant-inactive")


def session_minutes(context: MatchContext) -> int:
    """How long the match's sessions last (its program's session length)."""
    assert context.program is not None
    return context.program.session_length_minutes
