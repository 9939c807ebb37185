"""Finding a mentorship's bookable slots: read model and bookings in, pure slot finder, slots out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import queries
from scheduling.documents import Document, local_times
from scheduling.queries import availability_of
from scheduling.service import require_open, visible_context
from scheduling.slots import common_slots
from shared.auth import Principal
from shared.errors import Problem

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
    mentorship_id: uuid.UUID,
    window_start: datetime | None,
    window_end: datetime | None,
    limit: int,
    now: datetime,
) -> SlotPage:
    """Common slots of the mentorship's mentor and mentee in a window (default: the next 14 days)."""
    context = await visible_context(session, caller=caller, mentorship_id=mentorship_id)
    require_open(context)
    assert context.program is not None and context.mentor is not None and context.mentee is not None
    start = window_start or now
    end = window_end or start + DEFAULT_SPAN
    if end <= start:
        raise Problem(
            422,
            "`to` must be after `from`",
            slug="validation-error",
            errors=[{"field": "query.to", "message": "must be after from", "type": "value_error"}],
        )
    if end - start > MAX_SPAN:
        raise Problem(
            422,
            f"a slot search spans at most {MAX_SPAN.days} days",
            slug="validation-error",
            errors=[{"field": "query.to", "message": "window too long", "type": "value_error"}],
        )
    rules = context.policy.slot_rules(session_minutes=context.program.session_length_minutes)
    blocked = await queries.blocked_ranges(
        session,
        person_ids=context.participant_ids,
        start=start - rules.buffer - rules.length,
        end=end + rules.buffer,
    )
    slots = common_slots(
        [availability_of(context.mentor), availability_of(context.mentee)],
        window_start=start,
        window_end=end,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=context.mentor.time_zone,
        limit=limit + 1,
    )
    zones = context.zones
    mentorship = context.mentorship
    items = [
        {
            "start": slot.start,
            "end": slot.end,
            "participants": local_times(
                slot.start,
                slot.end,
                mentor_id=mentorship.mentor_id,
                mentee_id=mentorship.mentee_id,
                zones=zones,
            ),
        }
        for slot in slots[:limit]
    ]
    next_start = slots[limit - 1].start + timedelta(seconds=1) if len(slots) > limit else None
    return SlotPage(items=items, next_start=next_start, window_end=end)
