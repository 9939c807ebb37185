"""Rows as documents: the session state events carry, and what the API returns (JSON documents and
iCalendar files)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from fastapi import Response

from scheduling.cadence import is_missed, next_due
from scheduling.timeline import zone
from shared.contracts.scheduling import SessionState

Document = dict[str, Any]


def session_state(row: Any) -> SessionState:
    """The full state of a session (a `sessions` row or ORM object), as every session event carries it."""
    return SessionState(
        id=row.id,
        organization=row.organization,
        version=row.version,
        sequence=row.sequence,
        match_id=row.match_id,
        program_id=row.program_id,
        mentor_id=row.mentor_id,
        mentee_id=row.mentee_id,
        format=row.format,
        status=row.status,
        start=row.starts_at,
        end=row.ends_at,
        meeting_url=row.meeting_url,
        location=row.location,
        prompt=row.prompt,
        cancel_reason=row.cancel_reason,
        no_show=[uuid.UUID(str(person)) for person in row.no_show or ()],
        facilitator_id=getattr(row, "facilitator_id", None),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def local_times(
    start: datetime,
    end: datetime,
    *,
    mentor_id: uuid.UUID,
    mentee_id: uuid.UUID,
    zones: Mapping[uuid.UUID, str],
    facilitator_id: uuid.UUID | None = None,
) -> list[Document]:
    """`start`/`end` in each participant's zone (participants whose zone is unknown are left out);
    a facilitated check-in's facilitator last."""
    result = []
    people = [("mentor", mentor_id), ("mentee", mentee_id)]
    if facilitator_id is not None:
        people.append(("facilitator", facilitator_id))
    for role, person_id in people:
        time_zone = zones.get(person_id)
        if time_zone is None:
            continue
        tz = zone(time_zone)
        result.append(
            {
                "person_id": person_id,
                "role": role,
                "time_zone": time_zone,
                "start": start.astimezone(tz).isoformat(),
                "end": end.astimezone(tz).isoformat(),
            }
        )
    return result


def session_document(row: Any, zones: Mapping[uuid.UUID, str]) -> Document:
    state = session_state(row).model_dump()
    state["mentorship_id"] = row.match_id  # deprecated duplicate of `match_id`
    state["participants"] = local_times(
        row.starts_at,
        row.ends_at,
        mentor_id=row.mentor_id,
        mentee_id=row.mentee_id,
        zones=zones,
        facilitator_id=getattr(row, "facilitator_id", None),
    )
    return state


def proposal_document(
    proposal: Any, *, mentor_id: uuid.UUID, mentee_id: uuid.UUID, zones: Mapping[uuid.UUID, str]
) -> Document:
    found = proposal.starts_at is not None and proposal.ends_at is not None
    return {
        "after_session_id": proposal.after_session_id,
        "due_at": proposal.due_at,
        "start": proposal.starts_at,
        "end": proposal.ends_at,
        "participants": local_times(
            proposal.starts_at, proposal.ends_at, mentor_id=mentor_id, mentee_id=mentee_id, zones=zones
        )
        if found
        else [],
    }


def match_document(
    row: Any, *, proposal: Any | None, zones: Mapping[uuid.UUID, str], now: datetime, grace: timedelta
) -> Document:
    """A row of `queries.match_overview` as the API shows it, with its cadence status."""
    active = row.status == "active"
    cadence = row.cadence
    if not active:
        status = "ended"
    elif cadence is None:
        status = "unknown"  # the program has not arrived from profiles yet
    elif is_missed(
        cadence=cadence,
        last_session_at=row.last_session_at,
        started_at=row.started_at,
        upcoming_session_at=row.upcoming_session_at,
        grace=grace,
        now=now,
    ):
        status = "missed"
    else:
        status = "on_track"
    return {
        "id": row.id,
        "organization": row.organization,
        "program_id": row.program_id,
        "mentor_id": row.mentor_id,
        "mentee_id": row.mentee_id,
        "status": row.status,
        "end_reason": row.end_reason,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "session_length_minutes": row.session_length_minutes,
        "cadence": cadence,
        "last_session_at": row.last_session_at,
        "upcoming_session_at": row.upcoming_session_at,
        "next_due_at": next_due(
            cadence=cadence, last_session_at=row.last_session_at, started_at=row.started_at
        )
        if active and cadence is not None
        else None,
        "cadence_status": status,
        "proposed_next": proposal_document(
            proposal, mentor_id=row.mentor_id, mentee_id=row.mentee_id, zones=zones
        )
        if proposal is not None and active
        else None,
    }


def feed_document(feed: Any) -> Document:
    """A calendar feed without its URL (the secret is only ever shown when the feed is created)."""
    return {
        "id": feed.id,
        "person_id": feed.person_id,
        "label": feed.label,
        "created_at": feed.created_at,
        "revoked_at": feed.revoked_at,
        "last_used_at": feed.last_used_at,
    }


CALENDAR = "text/calendar; charset=utf-8"


def calendar_response(body: bytes, *, filename: str, cache_seconds: int = 0) -> Response:
    """An iCalendar file, shown inline (calendar apps open it) and cached privately at most that long."""
    return Response(
        body,
        media_type=CALENDAR,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": f"private, max-age={cache_seconds}",
        },
    )
