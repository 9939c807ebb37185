"""Finding a match's bookable slots: read model and bookings in, pure slot finder, slots out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import queries
from scheduling.documents import Document, local_times
from scheduling.queries import availability_of
from scheduling.service.check_ins import facilitator_of
from scheduling.service.matches import require_open, visible_match
from scheduling.slots import common_slots
from shared.auth import Principal
from shared.errors import invalid_field

DEFAULT_SPAN = timedelta(days=14)
MAX_SPAN = timedelta(days=62)


@dataclass(frozen=True)
class SlotPage:
    items: list[Document]
    # Where the next page starts (the window continues after the last slot), if there may be more.
    next_start: datetime | None
    window_end: datetime


async def find_slots(
    session: AsyncSession,
    *,
    caller: Principal,
    match_id: uuid.UUID,
    window_start: datetime | None,
    window_end: datetime | None,
    limit: int,
    now: datetime,
    facilitated: bool = False,
) -> SlotPage:
    """Common slots of the match's mentor and mentee in a window (default: the next 14 days);
    `facilitated`: of the calling admin too, for a facilitated check-in (`service.check_ins`)."""
    context = await visible_match(session, caller=caller, match_id=match_id)
    require_open(context)
    assert context.program is not None and context.mentor is not None and context.mentee is not None
    facilitator = await facilitator_of(session, caller=caller, context=context) if facilitated else None
    people = [context.mentor, context.mentee, *([facilitator] if facilitator is not None else [])]
    start = window_start or now
    end = window_end or start + DEFAULT_SPAN
    if end <= start:
        raise invalid_field("query.to", "`to` must be after `from`")
    if end - start > MAX_SPAN:
        raise invalid_field("query.to", f"a slot search spans at most {MAX_SPAN.days} days")
    rules = context.policy.slot_rules(session_minutes=context.program.session_length_minutes)
    blocked = await queries.blocked_ranges(
        session,
        person_ids=[person.id for person in people],
        start=start - rules.buffer - rules.length,
        end=end + rules.buffer,
    )
    slots = common_slots(
        [availability_of(person) for person in people],
        window_start=start,
        window_end=end,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=context.mentor.time_zone,
        limit=limit + 1,
    )
    zones = {person.id: person.time_zone for person in people}
    match = context.match
    items = [
        {
            "start": slot.start,
            "end": slot.end,
            "participants": local_times(
                slot.start,
                slot.end,
                mentor_id=match.mentor_id,
                mentee_id=match.mentee_id,
                zones=zones,
                facilitator_id=facilitator.id if facilitator is not None else None,
            ),
        }
        for slot in slots[:limit]
    ]
    next_start = slots[limit - 1].start + timedelta(seconds=1) if len(slots) > limit else None
    return SlotPage(items=items, next_start=next_start, window_end=end)
