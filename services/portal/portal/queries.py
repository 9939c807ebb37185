"""The home view: every part read concurrently from the service that owns it, as the caller.

Each owning service applies its own visibility rules to the caller's token; the portal only picks and
shapes (documents.py). What depends on the person's matches (the other person's public profile, each
pair's workspace: open goals, overdue action items, unread messages) is read as soon as the matches
arrive, while the other parts are still on their way, so the view costs two calls in sequence at most.
A part that cannot be read comes back as {"status": "unavailable", "reason": ...}, never faked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from portal import documents
from portal.config import PortalSettings
from portal.upstreams import Unavailable, Upstreams

Part = dict[str, Any]
# Every service the home view reads.
SERVICES = ("profiles", "matching", "scheduling", "feedback", "workspace", "training", "notifications")
# The workspace parts, read per match from its dashboard and its conversation's read state.
WORKSPACE_PARTS = ("goals", "action_items", "unread_messages")
UNREAD_NOTIFICATIONS = 10


def ok(**content: Any) -> Part:
    return {"status": "ok", **content}


def unavailable(reason: str) -> Part:
    return {"status": "unavailable", "reason": reason}


def items_of(document: Any, key: str = "items") -> list[dict[str, Any]]:
    items = document.get(key) if isinstance(document, dict) else None
    return list(items) if isinstance(items, list) else []


@dataclass
class MatchParts:
    """What is read per match once the matches are known."""

    live: list[dict[str, Any]] = field(default_factory=list)
    people: dict[str, Any] = field(default_factory=dict)
    workspace: dict[str, Part] = field(default_factory=dict)


async def home(
    upstreams: Upstreams, settings: PortalSettings, *, token: str, person_id: str, now: datetime | None = None
) -> dict[str, Any]:
    """The signed-in person's home view (see the module docstring)."""
    now = now or datetime.now(UTC)

    def get(service: str, path: str, **params: Any) -> Awaitable[Any]:
        return upstreams.get(service, path, token=token, params=params)

    async def per_match() -> MatchParts | Unavailable:
        matches = await get("matching", "/v1/matches", person_id=person_id, limit=100)
        if isinstance(matches, Unavailable):
            return matches
        parts = MatchParts(live=documents.live_matches(items_of(matches)))
        others = sorted({documents.other_person_id(match, person_id=person_id) for match in parts.live})
        going = [match["id"] for match in parts.live if match["status"] in ("accepted", "active")]
        people, workspaces = await asyncio.gather(
            asyncio.gather(*(get("profiles", f"/v1/people/{other}") for other in others)),
            workspace_parts(get, upstreams, going),
        )
        parts.people = {
            other: person for other, person in zip(others, people, strict=True) if isinstance(person, dict)
        }
        parts.workspace = workspaces
        return parts

    (
        profile,
        enrollments,
        matched,
        sessions,
        requests,
        training,
        notifications,
    ) = await asyncio.gather(
        get("profiles", "/v1/me"),
        get("profiles", "/v1/me/enrollments", limit=100),
        per_match(),
        get(
            "scheduling",
            "/v1/sessions",
            person_id=person_id,
            status="scheduled",
            **{"from": now.isoformat()},
            limit=settings.upcoming_sessions,
        ),
        get(
            "feedback",
            "/v1/feedback-requests",
            respondent_id=person_id,
            status="open",
            limit=settings.open_requests,
        ),
        get("training", "/v1/me/training"),
        get("notifications", "/v1/me/notifications", unread="true", limit=UNREAD_NOTIFICATIONS),
    )
    time_zone = documents.zone(profile.get("time_zone") if isinstance(profile, dict) else None)
    view: dict[str, Any] = {
        "person_id": person_id,
        "time_zone": time_zone.key,
        "generated_at": now.isoformat(),
        "profile": _or_unavailable(profile, lambda document: ok(data=document)),
        "enrollments": _or_unavailable(enrollments, lambda document: ok(items=items_of(document))),
        "matches": _or_unavailable(
            matched,
            lambda parts: ok(
                items=[
                    documents.match_card(
                        match,
                        person_id=person_id,
                        other=parts.people.get(documents.other_person_id(match, person_id=person_id)),
                    )
                    for match in parts.live
                ]
            ),
        ),
        "next_sessions": _or_unavailable(
            sessions,
            lambda document: ok(
                items=[
                    documents.session_card(session, person_id=person_id, time_zone=time_zone)
                    for session in items_of(document)
                ]
            ),
        ),
    }
    if isinstance(requests, Unavailable):
        view["feedback_requests"] = view["check_ins"] = unavailable(requests.reason)
    else:
        feedback, check_ins = documents.split_requests(items_of(requests))
        view["feedback_requests"] = ok(
            items=[documents.feedback_card(r, time_zone=time_zone) for r in feedback]
        )
        view["check_ins"] = ok(items=[documents.feedback_card(r, time_zone=time_zone) for r in check_ins])
    for part in WORKSPACE_PARTS:
        if isinstance(matched, Unavailable):
            view[part] = unavailable(f"needs the matches: {matched.reason}")
        else:
            view[part] = matched.workspace[part]
    view["training"] = _or_unavailable(training, lambda document: ok(items=items_of(document, "assignments")))
    view["notifications"] = _or_unavailable(notifications, lambda document: ok(items=items_of(document)))
    return view


async def workspace_parts(
    get: Callable[..., Awaitable[Any]], upstreams: Upstreams, match_ids: list[str]
) -> dict[str, Part]:
    """Open goals, overdue action items and unread messages of each pair's workspace."""
    if not upstreams.deployed("workspace"):
        reason = "workspace is not part of this deployment"
        return {part: unavailable(reason) for part in WORKSPACE_PARTS}
    dashboards, read_states = await asyncio.gather(
        asyncio.gather(*(get("workspace", f"/v1/matches/{match_id}/dashboard") for match_id in match_ids)),
        asyncio.gather(
            *(get("workspace", f"/v1/matches/{match_id}/messages/read-state") for match_id in match_ids)
        ),
    )
    goals: list[dict[str, Any]] = []
    action_items: list[dict[str, Any]] = []
    unread: list[dict[str, Any]] = []
    failed: str | None = None
    for match_id, dashboard, read_state in zip(match_ids, dashboards, read_states, strict=True):
        for document in (dashboard, read_state):
            # A pair whose workspace is not opened yet (events on their way) has nothing to show.
            if isinstance(document, Unavailable) and document.status != 404:
                failed = document.reason
        if isinstance(dashboard, dict):
            goals += [{**goal, "match_id": match_id} for goal in items_of(dashboard, "open_goals")]
            action_items += [
                {**item, "match_id": match_id} for item in items_of(dashboard, "overdue_action_items")
            ]
        if isinstance(read_state, dict) and read_state.get("unread"):
            unread.append(
                {"match_id": match_id, "unread": read_state["unread"], "messages": read_state.get("messages")}
            )
    if failed is not None:
        return {part: unavailable(failed) for part in WORKSPACE_PARTS}
    return {
        "goals": ok(items=goals),
        "action_items": ok(items=action_items),
        "unread_messages": ok(items=unread),
    }


def _or_unavailable(document: Any, shape: Callable[[Any], Part]) -> Part:
    if isinstance(document, Unavailable):
        return unavailable(document.reason)
    return shape(document)
