"""A person's data across every service, end to end on real NATS and PostgreSQL: exported from
every registered service into one archive, then erased everywhere, with the audit trail showing
each step and who took it.

One pair meets once and rates the session (with private notes), writes in its workspace, and an
integrator's endpoint receives it all. The mentee exports their data (the training service is
down meanwhile: the export waits for it, it does not go without it), leaves, and is erased while
training is down again (the erasure stays pending until training confirms). Afterwards no table of
any service and no event published since holds their name, email or what they wrote; what the
program counted is unchanged; and the mentor's history is still there, with a "former member".
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import nats
import pytest
import time_machine
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from mentorship.platform_client import Actor, ApiError, Document, PlatformClient
from mentorship.services import names, spec
from shared.events import stream_name
from tests.conftest import Platform, new_org, running_workers, service_client
from tests.e2e.conftest import API_SETTINGS, WORKER_SETTINGS, Inbox, eventually
from tests.toolkit import settled
from tests.webhooks.receiver import Receiver

# Everything that waits on a timer runs in fractions of a second here.
FAST = {
    "audit_ship_seconds": 0.2,
    "housekeeping_seconds": 0.5,
    "job_poll_seconds": 0.5,
    "relay_poll_seconds": 0.1,
}
# Down during the export, and again during the erasure.
LATE = "training"
MARK = f"zq{uuid.uuid4().hex[:10]}"  # in everything the mentee writes, so a scan finds any of it


@dataclass
class Pair:
    client: PlatformClient
    inbox: Inbox
    platform: Platform
    mentee: Document
    mentor: Document
    program: Document
    match: Document
    session: Document

    def actor(self, who: Document, role: str) -> Actor:
        return PlatformClient.person(str(who["id"]), role)


@pytest.fixture(scope="module")
async def pair(platform: Platform) -> AsyncIterator[Pair]:
    with Receiver().running() as receiver:
        async with AsyncExitStack() as exits:
            clients = {
                name: await exits.enter_async_context(
                    service_client(name, platform, **API_SETTINGS.get(name, {}))
                )
                for name in names()
            }
            for name in names():
                if name != LATE:
                    await exits.enter_async_context(
                        running_workers(platform, name, **FAST, **WORKER_SETTINGS.get(name, {}))
                    )
            client = PlatformClient(clients, organization=new_org())
            await client.update_scheduling_policy(meeting_url_template="https://meet.example/{session_id}")
            route = receiver.route()
            endpoint = await client.create_endpoint(
                route.url, [f"mentorship.{service}.*" for service in spec("webhooks").sources()]
            )
            yield await _a_pair_that_met(client, Inbox(route, endpoint["secret"]), platform)


def _person(name: str, time_zone: str, **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:8]}@example.com",
        "name": name,
        "time_zone": time_zone,
        "languages": ["en"],
        "availability": [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)],
        **fields,
    }


async def _a_pair_that_met(client: PlatformClient, inbox: Inbox, platform: Platform) -> Pair:
    mentor = await client.create_person(
        _person(
            "Priya Raman",
            "Europe/London",
            seniority="staff",
            skills=[{"skill": "pytorch", "level": 5}],
            guidance=["technical"],
            mentor_capacity=2,
        )
    )
    mentee = await client.create_person(
        _person(
            f"Zephyrine Quillfeather {MARK}",
            "Europe/Paris",
            seniority="junior",
            bio=f"Moving from data analysis to ML engineering {MARK}",
            learning_interests=[{"skill": "pytorch", "current_level": 1, "target_level": 4}],
            guidance=["technical"],
        )
    )
    today = date.today()
    program = await client.create_program(
        {
            "name": "Privacy cohort",
            "objective": "onboarding",
            "matching_mode": "admin_approved",
            "status": "active",
            "cohort_start": today.isoformat(),
            "cohort_end": (today + timedelta(days=120)).isoformat(),
            "session_length_minutes": 60,
            "session_cadence": "biweekly",
        }
    )
    await client.enroll(program["id"], mentor["id"], "mentor")
    await client.enroll(program["id"], mentee["id"], "mentee")

    async def suggested() -> list[Document] | None:
        try:
            return await client.suggestions(program["id"], mentee["id"]) or None
        except ApiError:
            return None

    await eventually(suggested, what="matching knows the pair")
    round_ = await client.create_round(program["id"])
    await client.publish_round(round_["id"])
    (match,) = await client.list_matches(program_id=program["id"])
    await client.accept_match(match["id"], actor=PlatformClient.person(mentee["id"], "mentee"))
    match = await client.accept_match(match["id"], actor=PlatformClient.person(mentor["id"], "mentor"))

    async def slots() -> list[Document] | None:
        start = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        try:
            return await client.slots(
                match["id"], actor=PlatformClient.person(mentee["id"], "mentee"), start=start
            )
        except ApiError:
            return None

    first = (await eventually(slots, what="scheduling knows the match"))[0]
    as_mentee, as_mentor = (
        PlatformClient.person(mentee["id"], "mentee"),
        PlatformClient.person(mentor["id"], "mentor"),
    )
    session = await client.book_session(
        match["id"], {"format": "video", "start": first["start"]}, actor=as_mentee
    )
    with time_machine.travel(datetime.fromisoformat(session["start"]) + timedelta(minutes=50), tick=True):
        session = await client.complete_session(session, actor=as_mentor)
    await _periodic_jobs_due_now(platform)

    answers = {
        str(mentee["id"]): (
            as_mentee,
            {
                "rating": 5,
                "mentor_rating": 5,
                "goal_progress": 4,
                "what_helped": {"text": f"the live debugging {MARK}", "private": False},
                "notes": {"text": f"a private worry {MARK}", "private": True},
            },
        ),
        str(mentor["id"]): (
            as_mentor,
            {
                "rating": 4,
                "goal_progress": 4,
                "what_helped": {"text": f"{mentee['name']} came well prepared", "private": False},
                "notes": {"text": "the mentor's own private note", "private": True},
            },
        ),
    }
    for person_id, (actor, answer) in answers.items():

        async def open_request(actor: Actor = actor) -> Document | None:
            requests = await client.feedback_requests(actor=actor, match_id=match["id"], status="open")
            return requests[0] if requests else None

        request = await eventually(open_request, what=f"feedback asked of {person_id}")
        await client.submit_feedback(request["id"], answer, actor=actor)

    # The workspace: messages both ways, and the mentee's private note on the session.
    async def workspace_open() -> Document | None:
        try:
            return await client.document(
                "workspace", "GET", f"/v1/matches/{match['id']}/workspace", actor=as_mentee
            )
        except ApiError:
            return None

    await eventually(workspace_open, what="the pair's workspace")
    for number in range(3):
        await client.call(
            "workspace",
            "POST",
            f"/v1/matches/{match['id']}/messages",
            actor=as_mentee,
            json={"body": f"message {number} from the mentee {MARK}"},
        )
    await client.call(
        "workspace",
        "POST",
        f"/v1/matches/{match['id']}/messages",
        actor=as_mentor,
        json={"body": f"Thanks {mentee['name']}, see you next week"},
    )

    async def workspace_session() -> bool:
        try:
            await client.call(
                "workspace",
                "PUT",
                f"/v1/sessions/{session['id']}/private-note",
                actor=as_mentee,
                json={"body": f"my private note {MARK}"},
                headers={"If-Match": '"0"'},
            )
        except ApiError:
            return False
        return True

    await eventually(workspace_session, what="the workspace knows the session")
    await inbox.wait_for("profiles.person.created", lambda data: data["person"]["id"] == mentee["id"])
    return Pair(client, inbox, platform, mentee, mentor, program, match, session)


async def _figures(pair: Pair) -> dict[str, Any]:
    """What the program counted, as admins and the mentor see it."""
    client = pair.client
    with time_machine.travel(datetime.fromisoformat(pair.session["end"]) + timedelta(hours=1), tick=True):
        summary = (await client.analytics(pair.program["id"]))["summary"]
    await _periodic_jobs_due_now(pair.platform)
    conversation = await client.pages(
        "workspace", f"/v1/matches/{pair.match['id']}/messages", actor=pair.actor(pair.mentor, "mentor")
    )
    return {
        "sessions_held": summary["sessions_held"],
        "average_rating": summary["average_rating"],
        "matches": len(await client.list_matches(program_id=pair.program["id"])),
        "sessions": len(await client.list_sessions(match_id=pair.match["id"])),
        "messages": len(conversation),  # the erased person's become tombstones: still counted
    }


async def _periodic_jobs_due_now(platform: Platform) -> None:
    """After a time travel: the in-process workers planned their periodic jobs (the audit log's
    shipping among them) from the traveled clock, days ahead; they are due again now, as after a
    worker's restart."""
    engine = create_async_engine(platform.database_url)
    try:
        async with engine.begin() as db:
            for service in names():
                await db.execute(
                    text(
                        f'UPDATE "{service}".jobs SET due_at = now() '
                        "WHERE key = '' AND state = 'pending' AND due_at > now() + interval '1 hour'"
                    )
                )
    finally:
        await engine.dispose()


async def _scan_tables(platform: Platform, needles: list[str]) -> list[str]:
    """Every table of every service (bytes decoded) where one of `needles` appears."""
    engine = create_async_engine(platform.database_url)
    found: list[str] = []
    try:
        async with engine.connect() as db:
            tables = (
                await db.execute(
                    text(
                        "SELECT table_schema, table_name FROM information_schema.tables "
                        "WHERE table_schema = ANY(:schemas) AND table_type = 'BASE TABLE'"
                    ),
                    {"schemas": list(names())},
                )
            ).all()
            for schema, table in tables:
                columns = (
                    await db.execute(
                        text(
                            "SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_schema = :schema AND table_name = :table"
                        ),
                        {"schema": schema, "table": table},
                    )
                ).all()
                readable = " || ' ' || ".join(
                    f"coalesce(convert_from(\"{name}\", 'UTF8'), '')"
                    if kind == "bytea"
                    else f"coalesce(\"{name}\"::text, '')"
                    for name, kind in columns
                )
                for needle in needles:
                    where = f"position(:needle IN {readable}) > 0"
                    hits = await db.scalar(
                        text(f'SELECT count(*) FROM "{schema}"."{table}" WHERE {where}'), {"needle": needle}
                    )
                    if hits:
                        found.append(f"{schema}.{table} holds {needle!r} ({hits} rows)")
    finally:
        await engine.dispose()
    return found


async def _stream_positions(platform: Platform) -> dict[str, int]:
    connection = await nats.connect(platform.nats_url)
    try:
        js = connection.jetstream()
        positions = {}
        for service in names():
            info = await js.stream_info(stream_name(platform.namespace, service))
            positions[service] = info.state.last_seq
        return positions
    finally:
        await connection.close()


async def _events_since(platform: Platform, positions: dict[str, int]) -> list[dict[str, Any]]:
    """Every event published on any service's stream after `positions`."""
    connection = await nats.connect(platform.nats_url)
    events: list[dict[str, Any]] = []
    try:
        js = connection.jetstream()
        for service, after in positions.items():
            stream = stream_name(platform.namespace, service)
            last = (await js.stream_info(stream)).state.last_seq
            for sequence in range(after + 1, last + 1):
                message = await js.get_msg(stream, sequence)
                if message.data:
                    events.append(json.loads(message.data))
    finally:
        await connection.close()
    return events


def _archive(content: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: archive.read(name).decode() if name.endswith(".md") else json.loads(archive.read(name))
            for name in archive.namelist()
        }


async def test_a_person_is_exported_from_every_service_then_erased_everywhere_and_the_trail_shows_who_did_it(
    pair: Pair,
) -> None:
    client, platform = pair.client, pair.platform
    mentee_id = str(pair.mentee["id"])
    as_mentee, as_mentor = pair.actor(pair.mentee, "mentee"), pair.actor(pair.mentor, "mentor")

    # --- access: a person exports only themselves; integrations only if the organization allows it
    with pytest.raises(ApiError) as refused:
        await client.request_export(mentee_id, actor=as_mentor)
    assert refused.value.status_code == 403
    with pytest.raises(ApiError) as refused:
        await client.request_export(mentee_id, actor=PlatformClient.integration())
    assert refused.value.status_code == 403
    stranger = PlatformClient(client.clients, organization=new_org())
    with pytest.raises(ApiError) as unknown:
        await stranger.request_export(mentee_id)
    assert unknown.value.status_code == 404

    # --- export, asked by the mentee while training is down: it waits for training's part
    export = await client.request_export(actor=as_mentee)
    assert export["status"] == "collecting" and export["requested_by"] == mentee_id

    async def missing_only_late() -> Document | None:
        current = await client.get_export(export["id"], actor=as_mentee)
        return current if current["missing_services"] == [LATE] else None

    await eventually(missing_only_late, what="every part but training's")
    async with running_workers(platform, LATE, **FAST):

        async def ready() -> Document | None:
            current = await client.get_export(export["id"], actor=as_mentee)
            return current if current["status"] == "ready" else None

        export = await eventually(ready, what="the export assembled")
    with pytest.raises(ApiError) as hidden:
        await client.get_export(export["id"], actor=as_mentor)
    assert hidden.value.status_code == 404

    files = _archive(await client.download_export(export["id"], actor=as_mentee))
    readme = files["README.md"]
    for service in names():
        assert f"## {service}/" in readme, f"{service}'s part is missing from the README"
    people = files["profiles/people.json"]
    assert people[0]["name"] == pair.mentee["name"] and people[0]["email"] == pair.mentee["email"]
    assert [row["id"] for row in files["matching/matches.json"]] == [pair.match["id"]]
    assert [row["id"] for row in files["scheduling/sessions.json"]] == [pair.session["id"]]
    notes = [row["text"] for row in files["feedback/feedback_notes.json"]]
    assert f"a private worry {MARK}" in notes and "the mentor's own private note" not in json.dumps(files)
    sent = [row for row in files["workspace/messages.json"] if row["sender_id"] == mentee_id]
    assert [row["body"] for row in sent] == [f"message {n} from the mentee {MARK}" for n in range(3)]
    assert files["workspace/private_notes.json"][0]["body"] == f"my private note {MARK}"
    assert any(
        row["type"] == "mentorship.profiles.person.created.v1" for row in files["webhooks/events.json"]
    )
    assert files["webhooks/deliveries.json"], "the delivery log of events about them"
    assert "training/assignments.json" in files and "notifications/notifications.json" in files

    # Reading one's own private feedback is recorded in the trail (what was read, not the text).
    submissions = await client.document(
        "feedback", "GET", f"/v1/matches/{pair.match['id']}/submissions", actor=as_mentee
    )
    (own,) = [item for item in submissions["items"] if item["respondent_id"] == mentee_id]
    await client.document("feedback", "GET", f"/v1/submissions/{own['id']}", actor=as_mentee)

    # --- the mentee leaves; an admin erases them while training is down again
    before = await _figures(pair)
    with pytest.raises(ApiError) as active:
        await client.request_erasure(mentee_id)
    assert active.value.status_code == 409, "only a person who left can be erased"
    await client.deactivate_person(mentee_id)
    await pair.inbox.wait_for("profiles.person.deactivated", lambda data: data["person"]["id"] == mentee_id)
    # Who acted travels in the envelope, to webhooks too.
    envelope = _delivered(pair.inbox, "mentorship.profiles.person.deactivated.v1", mentee_id)
    assert (envelope["actor"], envelope["actortype"]) == (client.admin.subject, "admin")
    positions = await _stream_positions(platform)

    async def erasing() -> Document | None:
        try:  # refused (409) until privacy has heard that they left
            return await client.request_erasure(mentee_id)
        except ApiError:
            return None

    erasure = await eventually(erasing, what="the erasure accepted")
    assert erasure["reason"] == "admin"
    again = await client.request_erasure(mentee_id)
    assert again["id"] == erasure["id"], "asking twice answers the same erasure"

    async def waiting_for_late() -> Document | None:
        current = await client.get_erasure(erasure["id"])
        return current if current["missing_services"] == [LATE] else None

    pending = await eventually(waiting_for_late, what="every confirmation but training's")
    assert pending["status"] == "pending"
    # Matching has erased its part (after the deactivation ended the match): what it shows now.
    match_before = _match_figures(await client.get_match(pair.match["id"]))
    listed = await client.document("privacy", "GET", "/v1/erasures", params={"status": "pending"})
    assert [item["id"] for item in listed["items"]] == [erasure["id"]]

    async with running_workers(platform, LATE, **FAST):

        async def completed() -> Document | None:
            current = await client.get_erasure(erasure["id"])
            return current if current["status"] == "completed" else None

        done = await eventually(completed, what="every service confirmed")
        assert sorted(row["service"] for row in done["confirmed"]) == sorted(names())
        await settled(
            nats_url=platform.nats_url,
            namespace=platform.namespace,
            consumers=[
                (service.name, source) for service in map(spec, names()) for source in service.sources()
            ],
            database_url=platform.database_url,
            outboxes=names(),
        )

    # Nothing identifying is left in any table, nor in any event published since.
    needles = [pair.mentee["name"], pair.mentee["email"], MARK]
    assert await _scan_tables(platform, needles) == []
    published = json.dumps(await _events_since(platform, positions))
    assert not [needle for needle in needles if needle in published]
    assert '"mentorship.profiles.person.erased.v1"' in published

    # What the program counted is unchanged, and the mentor's history stays, with a former member.
    assert await _figures(pair) == before
    match = await client.get_match(pair.match["id"])
    assert match["mentee_id"] == mentee_id and _match_figures(match) == match_before
    mentee_now = await client.get_person(mentee_id)
    assert mentee_now["name"] == "Former member" and mentee_now["active"] is False
    conversation = await client.document(
        "workspace", "GET", f"/v1/matches/{pair.match['id']}/messages", actor=as_mentor
    )
    assert any("see you next week" in (item.get("body") or "") for item in conversation["items"])
    with pytest.raises(ApiError) as gone:
        await client.request_export(mentee_id)
    assert gone.value.status_code == 409

    # The trail: each step, with who took it (shipped to the privacy service within moments).
    async def trail_with_erasure() -> list[Document] | None:
        entries = await client.audit_entries(resource_id=mentee_id)
        found = {(entry["service"], entry["action"], entry["actor_type"]) for entry in entries}
        return entries if ("profiles", "updated", "platform") in found else None

    trail = await eventually(trail_with_erasure, what="the erasure in the trail")
    steps = {(entry["service"], entry["action"], entry["actor_type"]) for entry in trail}
    assert ("profiles", "created", "admin") in steps  # added by the admin
    assert ("profiles", "updated", "platform") in steps  # anonymized by the erasure task
    person_changes = [e for e in trail if e["service"] == "profiles" and e["resource_type"] == "person"]
    anonymized = next(e for e in person_changes if e["actor_id"] == "erase-person")
    assert anonymized["changes"]["name"] == "changed" and anonymized["changes"]["email"] == "changed"
    requests = await client.audit_entries(service="privacy")
    by_kind = {(entry["resource_type"], entry["action"]): entry for entry in requests}
    assert by_kind[("export", "created")]["actor_id"] == mentee_id
    assert by_kind[("export", "created")]["actor_type"] == "person"
    assert by_kind[("export", "read")]["actor_id"] == mentee_id
    assert by_kind[("erasure", "created")]["actor_id"] == client.admin.subject
    assert by_kind[("erasure", "created")]["actor_type"] == "admin"
    (read,) = await client.audit_entries(service="feedback", action="read", resource_id=own["id"])
    assert (read["actor_type"], read["actor_id"], read["changes"]) == (
        "person",
        mentee_id,
        {"read": "private feedback"},
    )
    csv = await client.call("privacy", "GET", "/v1/audit-entries.csv", params={"resource_id": mentee_id})
    assert csv.text.splitlines()[0].startswith("id,service,at,actor_type,actor_id")
    assert len(csv.text.splitlines()) == len(trail) + 1


def _match_figures(match: Document) -> dict[str, Any]:
    return {
        name: match.get(name) for name in ("id", "mentee_id", "mentor_id", "status", "score", "program_id")
    }


def _delivered(inbox: Inbox, event_type: str, subject: str) -> dict[str, Any]:
    """The whole envelope of a webhook the integrator received."""
    for request in list(inbox.route.requests):
        body = json.loads(request.body)
        if body["type"] == event_type and body.get("subject") == subject:
            return dict(body)
    raise AssertionError(f"no {event_type} webhook about {subject}")
