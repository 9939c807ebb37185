"""Shaping the owning services' documents into the home view: pure functions, no I/O.

Times are given in UTC and in the person's own time zone; matches carry which side the person is on,
whether it waits for them, and the other person's public profile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Matches that are still going on or still waiting for an answer.
LIVE_MATCHES = ("requested", "proposed", "accepted", "active")
# The other person's public profile, as far as a home screen shows it.
PUBLIC_FIELDS = ("id", "name", "title", "department", "seniority", "time_zone", "languages", "bio")
SESSION_FIELDS = (
    "id",
    "version",
    "match_id",
    "program_id",
    "mentor_id",
    "mentee_id",
    "format",
    "status",
    "start",
    "end",
    "location",
    "prompt",
)
CHECK_IN_KINDS = frozenset({"checkin"})


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone called `name`, UTC when there is none or it is unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(instant: str, time_zone: ZoneInfo) -> str:
    """An ISO 8601 UTC instant as the wall-clock time in `time_zone`, with its offset."""
    moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return moment.astimezone(time_zone).isoformat()


def session_card(session: dict[str, Any], *, person_id: str, time_zone: ZoneInfo) -> dict[str, Any]:
    """A session as the home screen shows it: when (UTC and local), how to join, and with whom."""
    card = {field: session.get(field) for field in SESSION_FIELDS}
    card["start_local"] = local_time(session["start"], time_zone)
    card["end_local"] = local_time(session["end"], time_zone)
    card["time_zone"] = time_zone.key
    card["join_url"] = session.get("meeting_url")
    card["role"] = "mentor" if session.get("mentor_id") == person_id else "mentee"
    card["with_person_id"] = session["mentee_id"] if card["role"] == "mentor" else session["mentor_id"]
    return card


def match_card(match: dict[str, Any], *, person_id: str, other: dict[str, Any] | None) -> dict[str, Any]:
    """A live match: the person's side, the other person, and whether it waits for the person."""
    role = "mentor" if match["mentor_id"] == person_id else "mentee"
    other_id = match["mentee_id"] if role == "mentor" else match["mentor_id"]
    status = match["status"]
    if status == "requested":
        awaiting_me = role == "mentor"
    elif status == "proposed":
        awaiting_me = match.get(f"{role}_accepted_at") is None
    else:
        awaiting_me = False
    return {
        "id": match["id"],
        "version": match.get("version"),
        "program_id": match["program_id"],
        "status": status,
        "source": match.get("source"),
        "role": role,
        "awaiting_me": awaiting_me,
        "score": match.get("score"),
        "reasons": match.get("reasons", []),
        "message": match.get("message"),
        "expires_at": match.get("expires_at"),
        "other_person_id": other_id,
        "other_person": public_view(other) if other is not None else None,
    }


def live_matches(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [match for match in matches if match.get("status") in LIVE_MATCHES]


def other_person_id(match: dict[str, Any], *, person_id: str) -> str:
    return str(match["mentee_id"] if match["mentor_id"] == person_id else match["mentor_id"])


def public_view(person: dict[str, Any]) -> dict[str, Any]:
    return {field: person.get(field) for field in PUBLIC_FIELDS}


def feedback_card(request: dict[str, Any], *, time_zone: ZoneInfo) -> dict[str, Any]:
    """An open feedback request or check-in, with its due time in the person's zone."""
    return {
        "id": request["id"],
        "kind": request["kind"],
        "program_id": request.get("program_id"),
        "match_id": request.get("match_id"),
        "session_id": request.get("session_id"),
        "due_at": request.get("due_at"),
        "due_local": local_time(request["due_at"], time_zone) if request.get("due_at") else None,
        "overdue": bool(request.get("overdue")),
        "questions": len(request.get("questions", [])),
    }


def split_requests(requests: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Open requests as (feedback requests, check-ins)."""
    feedback = [request for request in requests if request.get("kind") not in CHECK_IN_KINDS]
    check_ins = [request for request in requests if request.get("kind") in CHECK_IN_KINDS]
    return feedback, check_ins
