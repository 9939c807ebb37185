"""Circle and flash sessions, their slots and office hours as the API shows them: each session's
full state plus its start and end in each participant's own zone."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from scheduling.office_hours import FlashSlot, clock_of
from scheduling.service.circle_sessions import circle_session_state
from scheduling.service.flash import flash_state
from scheduling.timeline import zone

Document = dict[str, Any]


def group_local_times(
    start: datetime, end: datetime, people: Iterable[tuple[uuid.UUID, str]], zones: Mapping[uuid.UUID, str]
) -> list[Document]:
    """`start`/`end` in each person's zone (people whose zone is unknown are left out)."""
    found = []
    for person_id, role in people:
        time_zone = zones.get(person_id)
        if time_zone is None:
            continue
        tz = zone(time_zone)
        found.append(
            {
                "person_id": person_id,
                "role": role,
                "time_zone": time_zone,
                "start": start.astimezone(tz).isoformat(),
                "end": end.astimezone(tz).isoformat(),
            }
        )
    return found


def circle_people(row: Any) -> list[tuple[uuid.UUID, str]]:
    """Who attends a circle session, with their role."""
    return [
        (uuid.UUID(str(item["person_id"])), str(item["role"]))
        for item in row.participants
        if item["status"] == "attending"
    ]


def circle_session_document(row: Any, zones: Mapping[uuid.UUID, str]) -> Document:
    """A circle session (`CircleSessionOut`)."""
    document = circle_session_state(row).model_dump()
    document["local_times"] = group_local_times(row.starts_at, row.ends_at, circle_people(row), zones)
    return document


def flash_session_document(row: Any, zones: Mapping[uuid.UUID, str]) -> Document:
    """A flash session (`FlashSessionOut`)."""
    document = flash_state(row).model_dump()
    people = [(row.mentor_id, "mentor"), (row.mentee_id, "mentee")]
    document["local_times"] = group_local_times(row.starts_at, row.ends_at, people, zones)
    return document


def group_slot_document(
    start: datetime, end: datetime, people: Iterable[tuple[uuid.UUID, str]], zones: Mapping[uuid.UUID, str]
) -> Document:
    """A common slot (`GroupSlotOut`)."""
    return {"start": start, "end": end, "participants": group_local_times(start, end, people, zones)}


def flash_slot_document(slot: FlashSlot, mentor_id: uuid.UUID, zones: Mapping[uuid.UUID, str]) -> Document:
    return group_slot_document(slot.start, slot.end, [(mentor_id, "mentor")], zones)


def office_hours_document(row: Any, time_zone: str | None) -> Document:
    """Office hours (`OfficeHoursOut`), in the mentor's zone."""
    return {
        "id": row.id,
        "program_id": row.program_id,
        "mentor_id": row.mentor_id,
        "weekday": row.weekday,
        "start": clock_of(row.start_minute),
        "end": clock_of(row.end_minute),
        "time_zone": time_zone,
        "active": row.active,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
