"""Match state changes: the new status, the mentor's slot, and the event, in the caller's transaction.

Every change goes through `transition`, whether it comes from an API call, an event handler
(a person deactivated) or a job (expiry), so the rules and the events are the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from matching.lifecycle import LIVE, NOT_FINAL, OPEN, Action, InvalidTransition, next_status
from matching.models import Match, MentorSlots, messaging
from shared.clock import utcnow
from shared.constraints import Conflict, flush_or_conflict
from shared.contracts.matching import (
    MatchAccepted,
    MatchActivated,
    MatchDeclined,
    MatchEnded,
    MatchEndReason,
    MatchExpired,
    MatchProposed,
    MatchRequested,
    MatchState,
    MatchStatus,
)
from shared.contracts.profiles import ProgramFormat
from shared.errors import Problem
from shared.events import Event
from shared.outbox import Outbox

OUTBOX = Outbox(messaging.outbox)
EVENTS: dict[MatchStatus, type[Event]] = {
    MatchStatus.PROPOSED: MatchProposed,
    MatchStatus.REQUESTED: MatchRequested,
    MatchStatus.ACCEPTED: MatchAccepted,
    MatchStatus.DECLINED: MatchDeclined,
    MatchStatus.EXPIRED: MatchExpired,
    MatchStatus.ACTIVE: MatchActivated,
    MatchStatus.ENDED: MatchEnded,
}


_CONFLICTS = {
    # The partial unique index: the mentee got another mentor in this program meanwhile.
    "uq_matches_live_mentee": Conflict(
        None, "the mentee already has a mentor in this program", slug="mentee-already-matched"
    ),
}


def match_state(match: Match) -> MatchState:
    """The full state of a match, as every match event carries it."""
    return MatchState.model_validate(match, from_attributes=True)


async def announce(session: AsyncSession, match: Match) -> None:
    """Write the event of the match's current status to the outbox (same transaction)."""
    event = EVENTS[MatchStatus(match.status)]
    await OUTBOX.add(
        session, event(match=match_state(match)), organization=match.organization, subject=str(match.id)
    )


async def announce_many(session: AsyncSession, matches: Sequence[Match]) -> None:
    """`announce` for many matches at once (same transaction, same events, one batched insert)."""
    await OUTBOX.add_many(
        session,
        [
            (EVENTS[MatchStatus(match.status)](match=match_state(match)), match.organization, str(match.id))
            for match in matches
        ],
    )


def _slot_holders(match: Match) -> list[uuid.UUID]:
    """Whose slots a live match holds: its mentor's; in a peer pair both peers' (each teaches)."""
    if match.format == ProgramFormat.PEER.value:
        return sorted((match.mentee_id, match.mentor_id))
    return [match.mentor_id]


async def take_slot(session: AsyncSession, match: Match) -> None:
    """Take one slot of each holder (`_slot_holders`), or 409: one conditional UPDATE each."""
    for person in _slot_holders(match):
        await _take_slot_of(session, match, person)


async def _take_slot_of(session: AsyncSession, match: Match, person: uuid.UUID) -> None:
    taken = await session.execute(
        update(MentorSlots)
        .where(
            MentorSlots.program_id == match.program_id,
            MentorSlots.mentor_id == person,
            MentorSlots.used < MentorSlots.capacity,
        )
        .values(used=MentorSlots.used + 1)
        .returning(MentorSlots.used)
    )
    if taken.first() is None:
        raise Problem(409, "the mentor has no open slot in this program", slug="mentor-at-capacity")


async def release_slot(session: AsyncSession, match: Match) -> None:
    await session.execute(
        update(MentorSlots)
        .where(
            MentorSlots.program_id == match.program_id,
            MentorSlots.mentor_id.in_(_slot_holders(match)),
            MentorSlots.used > 0,
        )
        .values(used=MentorSlots.used - 1)
    )


async def transition(
    session: AsyncSession,
    match: Match,
    action: Action,
    *,
    now: dt.datetime | None = None,
    end_reason: MatchEndReason | None = None,
) -> Match:
    """Apply `action` to a match locked by the caller (FOR UPDATE), with its slot and its event."""
    now = now or utcnow()
    old = MatchStatus(match.status)
    try:
        new = next_status(old, action)
    except InvalidTransition as exc:
        raise Problem(409, str(exc), slug="invalid-transition") from exc
    if new in LIVE and old not in LIVE:
        await take_slot(session, match)
    elif old in LIVE and new not in LIVE:
        await release_slot(session, match)
    match.status = new.value
    match.version += 1
    match.updated_at = now
    if new is MatchStatus.ACCEPTED:
        match.accepted_at = now
        match.expires_at = None
    if new is MatchStatus.ENDED:
        match.end_reason = (end_reason or MatchEndReason.ADMIN).value
        match.ended_at = now
    await flush_or_conflict(session, _CONFLICTS)
    await announce(session, match)
    if new is MatchStatus.ACCEPTED:
        await _supersede_open(session, match, now=now)
    return match


async def _supersede_open(session: AsyncSession, accepted: Match, *, now: dt.datetime) -> None:
    """Once a mentee has a mentor, their other open requests and proposals in the program are declined."""
    others = (
        await session.scalars(
            select(Match)
            .where(
                Match.program_id == accepted.program_id,
                Match.mentee_id == accepted.mentee_id,
                Match.id != accepted.id,
                Match.status.in_([status.value for status in OPEN]),
            )
            .order_by(Match.id)
            .with_for_update()
        )
    ).all()
    for other in others:
        await transition(session, other, Action.DECLINE, now=now)


async def end_matches(
    session: AsyncSession,
    *,
    organization: str,
    reason: MatchEndReason,
    person_id: uuid.UUID | None = None,
    program_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Sequence[Match]:
    """End every open or live match of a person (and/or in a program), each with its MatchEnded event."""
    query = select(Match).where(
        Match.organization == organization, Match.status.in_([status.value for status in NOT_FINAL])
    )
    if person_id is not None:
        query = query.where((Match.mentee_id == person_id) | (Match.mentor_id == person_id))
    if program_id is not None:
        query = query.where(Match.program_id == program_id)
    matches = (await session.scalars(query.order_by(Match.id).with_for_update())).all()
    for match in matches:
        await transition(session, match, Action.END, now=now, end_reason=reason)
    return matches
