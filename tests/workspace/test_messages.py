"""The pair's conversation: text stored as sent, edits within the window (marked edited), deletes
that leave a tombstone, read state and unread counts, a live stream over real HTTP that resumes
with Last-Event-ID, reports that show admins the message and its context and nothing else, and
retention that deletes what is older than the organization keeps."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
import time_machine
import uvicorn

from mentorship.processes import free_port
from shared.contracts.workspace import MessagePosted, MessageReported
from shared.db import transaction
from shared.retention import DEFAULT_POLICY, store_policy
from tests.conftest import Platform, service_settings
from tests.workspace.world import Pair, World, etag, now
from workspace.main import create_app
from workspace.models import messaging
from workspace.service.messages import delete_expired_messages

LINK = "see https://arxiv.org/abs/1706.03762 <b>not html</b>"


async def post(pair: Pair, headers: dict[str, str], body: str) -> dict[str, Any]:
    response = await pair.client.post(pair.path("/messages"), headers=headers, json={"body": body})
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


async def test_a_message_is_stored_as_sent_and_published_with_ids_only(world: World) -> None:
    pair = await world.pair()
    message = await post(pair, pair.as_mentee, LINK)
    assert message["body"] == LINK and message["number"] == 1
    assert message["recipient_id"] == str(pair.mentor.id)
    (event,) = await world.published(pair.organization, MessagePosted)
    assert event["data"] == {
        "message_id": message["id"],
        "match_id": str(pair.id),
        "program_id": str(pair.program.id),
        "sender_id": str(pair.mentee.id),
        "recipient_id": str(pair.mentor.id),
    }
    assert "arxiv" not in await world.raw_outbox(pair.organization)
    for bad in ("", "x" * 4001, "nul\x00"):
        response = await pair.client.post(pair.path("/messages"), headers=pair.as_mentee, json={"body": bad})
        assert response.status_code == 422
    assert await world.count("messages", pair.organization) == 1


async def test_unread_counts_follow_the_read_marker(world: World) -> None:
    pair = await world.pair()
    for text in ("one", "two", "three"):
        await post(pair, pair.as_mentor, text)
    state = (await pair.client.get(pair.path("/messages/read-state"), headers=pair.as_mentee)).json()
    assert state == {"match_id": str(pair.id), "last_read_number": 0, "unread": 3, "messages": 3}
    # Replying means having read what came before.
    await post(pair, pair.as_mentee, "mine")
    state = (await pair.client.get(pair.path("/messages/read-state"), headers=pair.as_mentee)).json()
    assert state["unread"] == 0 and state["messages"] == 4 and state["last_read_number"] == 4
    mentor_state = (await pair.client.get(pair.path("/messages/read-state"), headers=pair.as_mentor)).json()
    assert mentor_state["unread"] == 1
    marked = await pair.client.post(
        pair.path("/messages/read-state"), headers=pair.as_mentor, json={"up_to": 99}
    )
    assert marked.json()["last_read_number"] == 4 and marked.json()["unread"] == 0
    back = await pair.client.post(
        pair.path("/messages/read-state"), headers=pair.as_mentor, json={"up_to": 1}
    )
    assert back.json()["last_read_number"] == 4
    workspaces = (await pair.client.get("/v1/workspaces", headers=pair.as_mentor)).json()["items"]
    assert workspaces[0]["unread_messages"] == 0


async def test_edits_within_the_window_are_marked_and_deletes_leave_a_tombstone(world: World) -> None:
    pair = await world.pair()
    message = await post(pair, pair.as_mentee, "typo hree")
    path = f"/v1/messages/{message['id']}"
    by_other = await pair.client.patch(
        path, headers={**pair.as_mentor, "If-Match": '"1"'}, json={"body": "x"}
    )
    assert by_other.status_code == 403
    edited = await pair.client.patch(
        path, headers={**pair.as_mentee, "If-Match": '"1"'}, json={"body": "typo here"}
    )
    assert edited.status_code == 200 and edited.json()["edited"] and edited.json()["body"] == "typo here"
    with time_machine.travel(now() + timedelta(minutes=16), tick=True):
        late = await pair.client.patch(
            path, headers={**pair.as_mentee, **etag(edited)}, json={"body": "again"}
        )
    assert late.status_code == 409 and late.json()["type"] == "/problems/edit-window-passed"
    deleted = await pair.client.delete(path, headers=pair.as_mentee)
    assert deleted.status_code == 204
    assert (await pair.client.delete(path, headers=pair.as_mentee)).status_code == 204
    (tombstone,) = (await pair.client.get(pair.path("/messages"), headers=pair.as_mentor)).json()["items"]
    assert tombstone["deleted"] and tombstone["body"] is None and tombstone["number"] == 1
    assert (await pair.client.get(pair.path("/messages/read-state"), headers=pair.as_mentor)).json()[
        "unread"
    ] == 0


async def test_a_reported_message_shows_admins_its_context_and_nothing_else(world: World) -> None:
    pair = await world.pair()
    numbers = [
        await post(pair, pair.as_mentor if n % 2 else pair.as_mentee, f"message {n}") for n in range(1, 15)
    ]
    reported = numbers[8]  # number 9, from the mentor
    assert reported["sender_id"] == str(pair.mentor.id)
    own = await pair.client.post(
        f"/v1/messages/{reported['id']}/reports", headers=pair.as_mentor, json={"reason": "spam"}
    )
    assert own.status_code == 409
    report = await pair.client.post(
        f"/v1/messages/{reported['id']}/reports",
        headers=pair.as_mentee,
        json={"reason": "harassment", "note": "This keeps happening"},
    )
    assert report.status_code == 201, report.text
    twice = await pair.client.post(
        f"/v1/messages/{reported['id']}/reports", headers=pair.as_mentee, json={"reason": "harassment"}
    )
    assert twice.status_code == 409
    (event,) = await world.published(pair.organization, MessageReported)
    assert event["data"]["message_id"] == reported["id"]
    assert "message 9" not in await world.raw_outbox(pair.organization)

    listed = await pair.client.get("/v1/message-reports", headers=pair.as_admin)
    assert [r["id"] for r in listed.json()["items"]] == [report.json()["id"]]
    view = await pair.client.get(f"/v1/message-reports/{report.json()['id']}", headers=pair.as_admin)
    assert view.status_code == 200
    assert view.json()["reported_body"] == "message 9"
    assert [m["number"] for m in view.json()["context"]] == list(range(4, 15))  # 5 before, 5 after
    assert "message 3" not in view.text and 'message 1"' not in view.text
    for headers in (pair.as_mentee, pair.as_mentor):
        assert (
            await pair.client.get(f"/v1/message-reports/{report.json()['id']}", headers=headers)
        ).status_code == 403
    resolved = await pair.client.post(
        f"/v1/message-reports/{report.json()['id']}/resolution",
        headers={**pair.as_admin, **etag(view)},
        json={"resolution": "Talked to the mentor"},
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"


async def test_retention_deletes_messages_older_than_the_organization_keeps(world: World) -> None:
    pair = await world.pair()
    admin = pair.as_admin
    settings = await pair.client.get("/v1/workspace-settings", headers=admin)
    assert settings.json()["message_retention_days"] == 730 and settings.headers["ETag"] == '"0"'
    changed = await pair.client.put(
        "/v1/workspace-settings", headers={**admin, **etag(settings)}, json={"message_retention_days": 30}
    )
    assert changed.status_code == 200 and changed.json()["message_retention_days"] == 30
    old = await post(pair, pair.as_mentee, "old news")
    await pair.client.delete(f"/v1/messages/{old['id']}", headers=pair.as_mentee)  # a tombstone goes too
    await post(pair, pair.as_mentor, "also old")
    async with transaction(world.sessions) as session:
        await delete_expired_messages(session, now=now() + timedelta(days=29), default_days=730, limit=1000)
    assert await world.count("messages", pair.organization) == 2
    async with transaction(world.sessions) as session:
        await delete_expired_messages(session, now=now() + timedelta(days=31), default_days=730, limit=1000)
    assert await world.count("messages", pair.organization) == 0
    # The conversation goes on numbering after what retention removed.
    assert (await post(pair, pair.as_mentee, "new"))["number"] == 3


async def test_the_organizations_retention_policy_decides_over_the_workspace_setting(world: World) -> None:
    pair = await world.pair()
    settings = await pair.client.get("/v1/workspace-settings", headers=pair.as_admin)
    await pair.client.put(
        "/v1/workspace-settings",
        headers={**pair.as_admin, **etag(settings)},
        json={"message_retention_days": 30},
    )
    # The organization's policy (as the privacy service published it) keeps messages 10 days.
    async with transaction(world.sessions) as session:
        await store_policy(
            session,
            messaging.retention,
            organization=pair.organization,
            version=1,
            policy=DEFAULT_POLICY.model_copy(update={"messages_days": 10}),
        )
    message = await post(pair, pair.as_mentee, "said too much")
    report = await pair.client.post(
        f"/v1/messages/{message['id']}/reports", headers=pair.as_mentor, json={"reason": "spam"}
    )
    assert report.status_code == 201, report.text

    async def reported_text() -> str | None:
        async with world.sessions() as session:
            value: str | None = await session.scalar(
                sa.text("SELECT reported_body FROM workspace.message_reports WHERE id = :id"),
                {"id": report.json()["id"]},
            )
        return value

    async with transaction(world.sessions) as session:
        await delete_expired_messages(session, now=now() + timedelta(days=9), default_days=730, limit=1000)
    assert await world.count("messages", pair.organization) == 1
    assert await reported_text() == "said too much"
    async with transaction(world.sessions) as session:
        await delete_expired_messages(session, now=now() + timedelta(days=11), default_days=730, limit=1000)
    assert await world.count("messages", pair.organization) == 0
    assert await reported_text() is None


# --- the live stream, over a real HTTP server ----------------------------------------------------


@contextlib.asynccontextmanager
async def serving(platform: Platform) -> AsyncIterator[str]:
    app = create_app(service_settings("workspace", platform))  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def read_events(response: httpx.Response, count: int) -> list[tuple[int, dict[str, Any]]]:
    """(id, data) of the next `count` events of an open stream."""
    events: list[tuple[int, dict[str, Any]]] = []
    event_id, data = "", ""
    async with asyncio.timeout(10):
        async for line in response.aiter_lines():
            if line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and data:
                events.append((int(event_id), orjson.loads(data)))
                event_id, data = "", ""
                if len(events) == count:
                    return events
    return events


@pytest.mark.parametrize("resume_with", ["header", "query"])
async def test_the_other_persons_open_stream_gets_each_change_and_resumes_after_the_last_id(
    world: World, platform: Platform, resume_with: str
) -> None:
    pair = await world.pair()
    await post(pair, pair.as_mentee, "before the stream opened")
    async with serving(platform) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        async with http.stream("GET", pair.path("/messages/stream"), headers=pair.as_mentor) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            first = await post(pair, pair.as_mentee, "hello")
            await pair.client.patch(
                f"/v1/messages/{first['id']}",
                headers={**pair.as_mentee, "If-Match": '"1"'},
                json={"body": "hello!"},
            )
            events = await read_events(stream, 2)
        # It started at the head (not with the message from before), and saw the post then the edit.
        assert [(data["number"], data["body"], data["edited"]) for _, data in events] == [
            (2, "hello", False),
            (2, "hello!", True),
        ]
        last_id = events[0][0]
        await post(pair, pair.as_mentee, "while away")
        resume: dict[str, Any] = (
            {"headers": {**pair.as_mentor, "Last-Event-ID": str(last_id)}}
            if resume_with == "header"
            else {"headers": pair.as_mentor, "params": {"after": last_id}}
        )
        async with http.stream("GET", pair.path("/messages/stream"), **resume) as resumed:
            again = await read_events(resumed, 2)
        assert [data["body"] for _, data in again] == ["hello!", "while away"]
        # Another pair's stream sees none of it.
        other = await world.pair(organization=pair.organization)
        outsider = await http.get(pair.path("/messages/stream"), headers=other.as_mentee)
        assert outsider.status_code == 404
