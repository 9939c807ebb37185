"""End to end through real events: people and a program made in profiles, a match accepted on the
matching stream, both workers running on real NATS; then slots, booking, completion, reminders,
and a deactivation in profiles canceling what was booked."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import nats
import orjson
import time_machine
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.service.reminders import emit_due_reminders
from shared.contracts.matching import MatchAccepted, MatchSource, MatchState, MatchStatus
from shared.events import CloudEvent, stream_name
from shared.streams import ensure_service_stream
from tests.conftest import AuthHeaders, Platform, new_org, running_workers
from tests.toolkit import eventually

WEEKDAYS = range(5)


async def create(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def scheduling_events(platform: Platform, session_id: str) -> list[str]:
    """Types of the events on scheduling's stream about one session, in stream order."""
    connection = await nats.connect(platform.nats_url)
    try:
        js = connection.jetstream()
        stream = stream_name(platform.namespace, "scheduling")
        try:
            info = await js.stream_info(stream)
        except NotFoundError:
            return []
        types = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            envelope = orjson.loads((await js.get_msg(stream, seq)).data or b"{}")
            if envelope.get("subject") == session_id:
                types.append(envelope["type"].split(".")[-2])
        return types
    finally:
        await connection.close()


async def test_a_match_accepted_in_matching_becomes_a_bookable_match_driven_by_events(
    platform: Platform,
    profiles_client: httpx.AsyncClient,
    scheduling_client: httpx.AsyncClient,
    scheduling_db: async_sessionmaker[AsyncSession],
    auth: AuthHeaders,
) -> None:
    organization = new_org()
    admin = auth(organization, str(uuid.uuid4()), "admin")
    mentor = await create(
        profiles_client,
        "/v1/people",
        {
            "email": f"{uuid.uuid4().hex[:8]}@example.com",
            "name": "Grace",
            "time_zone": "Asia/Kolkata",
            "languages": ["en"],
            "availability": [{"weekday": day, "start": "13:00", "end": "21:00"} for day in WEEKDAYS],
            "mentor_capacity": 2,
        },
        admin,
    )
    mentee = await create(
        profiles_client,
        "/v1/people",
        {
            "email": f"{uuid.uuid4().hex[:8]}@example.com",
            "name": "Alan",
            "time_zone": "Europe/Berlin",
            "languages": ["en"],
            "availability": [{"weekday": day, "start": "09:00", "end": "17:00"} for day in WEEKDAYS],
        },
        admin,
    )
    today = date.today()
    program = await create(
        profiles_client,
        "/v1/programs",
        {
            "name": "MLOps mentoring",
            "objective": "technical_skills",
            "cohort_start": today.isoformat(),
            "cohort_end": (today + timedelta(days=120)).isoformat(),
            "session_length_minutes": 45,
            "session_cadence": "weekly",
            "status": "active",
        },
        admin,
    )
    for person, role in ((mentor, "mentor"), (mentee, "mentee")):
        await create(
            profiles_client,
            f"/v1/programs/{program['id']}/enrollments",
            {"person_id": person["id"], "role": role, "status": "active"},
            admin,
        )

    # The matching service's event, published on its stream as its outbox relay would.
    now = datetime.now(UTC)
    match = MatchState(
        id=uuid.uuid4(),
        organization=organization,
        version=2,
        program_id=uuid.UUID(program["id"]),
        mentee_id=uuid.UUID(mentee["id"]),
        mentor_id=uuid.UUID(mentor["id"]),
        status=MatchStatus.ACCEPTED,
        source=MatchSource.ROUND,
        score=0.91,
        created_at=now,
        updated_at=now,
    )
    envelope = CloudEvent.wrap(MatchAccepted(match=match), organization=organization, subject=str(match.id))
    connection = await nats.connect(platform.nats_url)
    js = connection.jetstream()
    await ensure_service_stream(js, namespace=platform.namespace, service="matching")
    await js.publish(
        MatchAccepted.event_type.subject(platform.namespace),
        orjson.dumps(envelope.model_dump(mode="json")),
        headers={"Nats-Msg-Id": str(envelope.id)},
    )
    await connection.close()

    mentor_headers = auth(organization, mentor["id"], "mentor")
    mentee_headers = auth(organization, mentee["id"], "mentee")
    async with running_workers(platform, "profiles", "scheduling"):
        # From two days on, so both the day-before and the hour-before reminders apply.
        window = {"from": (now + timedelta(days=2)).isoformat()}

        async def slots_ready() -> list[dict[str, Any]] | None:
            response = await scheduling_client.get(
                f"/v1/matches/{match.id}/slots", params=window, headers=mentee_headers
            )
            return response.json()["items"] if response.status_code == 200 else None

        slots = await eventually(slots_ready)
        first = slots[0]
        # Kolkata 13:00-21:00 and Berlin 09:00-17:00 on weekdays: the overlap in each one's own clock.
        kolkata, berlin = first["participants"]
        assert kolkata["time_zone"] == "Asia/Kolkata" and berlin["time_zone"] == "Europe/Berlin"
        assert kolkata["start"][11:16] >= "13:00" and berlin["end"][11:16] <= "17:00"

        booked = await scheduling_client.post(
            f"/v1/matches/{match.id}/sessions",
            json={
                "format": "video",
                "start": first["start"],
                "meeting_url": "https://meet.example/grace-alan",
            },
            headers=mentee_headers,
        )
        assert booked.status_code == 201, booked.text
        session = booked.json()
        assert session["end"] == (
            datetime.fromisoformat(first["start"]) + timedelta(minutes=45)
        ).isoformat().replace("+00:00", "Z")

        # The reminder job's events go out through the outbox relay too.
        start = datetime.fromisoformat(session["start"])
        await emit_due_reminders(scheduling_db, now=start - timedelta(minutes=30))

        with time_machine.travel(start + timedelta(minutes=40), tick=True):
            completed = await scheduling_client.post(
                f"/v1/sessions/{session['id']}/complete",
                # A token minted on the traveled clock, as a real one would be by then.
                headers={**auth(organization, mentor["id"], "mentor"), "If-Match": f'"{session["version"]}"'},
            )
            assert completed.status_code == 200, completed.text
        scheduled_match = (
            await scheduling_client.get(f"/v1/matches/{match.id}", headers=mentor_headers)
        ).json()
        proposed = scheduled_match["proposed_next"]
        assert proposed["start"] is not None
        next_session = await scheduling_client.post(
            f"/v1/matches/{match.id}/sessions",
            json={"format": "in_person", "start": proposed["start"], "location": "Berlin office"},
            headers=mentor_headers,
        )
        assert next_session.status_code == 201, next_session.text

        feed = await scheduling_client.post("/v1/calendar-feeds", json={}, headers=mentee_headers)
        feed_path = urlsplit(feed.json()["url"]).path
        assert (await scheduling_client.get(feed_path)).status_code == 200

        # Profiles deactivates the mentee: the event reaches scheduling, which cancels what is ahead
        # and revokes the leaver's calendar feeds.
        deactivated = await profiles_client.post(f"/v1/people/{mentee['id']}/deactivate", headers=admin)
        assert deactivated.status_code == 200, deactivated.text

        async def canceled() -> dict[str, Any] | None:
            response = await scheduling_client.get(f"/v1/sessions/{next_session.json()['id']}", headers=admin)
            body = response.json()
            return body if body["status"] == "canceled" else None

        assert (await eventually(canceled))["cancel_reason"] == "participant deactivated"
        assert (await scheduling_client.get(feed_path)).status_code == 404

        async def published() -> list[str] | None:
            types = await scheduling_events(platform, session["id"])
            return types if len(types) >= 6 else None

        assert await eventually(published) == [
            "scheduled",
            "reminder_due",
            "reminder_due",
            "reminder_due",
            "reminder_due",
            "completed",
        ]
        assert await eventually(
            lambda: _events_of(platform, next_session.json()["id"], ["scheduled", "canceled"])
        )


async def _events_of(platform: Platform, session_id: str, expected: list[str]) -> bool | None:
    return True if await scheduling_events(platform, session_id) == expected else None
