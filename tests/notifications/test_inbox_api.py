"""A person's inbox over the API: newest first, unread count, read and archive under If-Match,
nobody else's entries (404), and the live stream (SSE) that resumes after `Last-Event-ID`."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from shared.contracts.matching import MatchAccepted, MatchProposed, MatchStatus
from shared.contracts.scheduling import SessionScheduled
from tests.conftest import Platform
from tests.notifications.conftest import Bus, Org, events, now, served
from tests.toolkit import eventually

pytestmark = pytest.mark.usefixtures("notifications_worker")


async def inbox(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/me/notifications", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def entries(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]] | None:
    return await inbox(client, headers) or None


async def test_the_inbox_lists_counts_marks_read_and_archives(
    org: Org, bus: Bus, notifications_client: httpx.AsyncClient
) -> None:
    await org.program()
    mentor = await org.person("Annie Easley")
    mentee = await org.person("Dorothy Vaughan")
    match = org.match(mentor, mentee, MatchStatus.PROPOSED)
    me = org.as_person(mentee.id)
    await bus.publish(MatchProposed(match=match), organization=org.organization)
    await eventually(lambda: entries(notifications_client, me), what="the proposal is in the inbox")
    await bus.publish(
        MatchAccepted(match=org.match(mentor, mentee, MatchStatus.ACCEPTED, 2)), organization=org.organization
    )

    async def two() -> list[dict[str, Any]] | None:
        items = await inbox(notifications_client, me)
        return items if len(items) == 2 else None

    newest, oldest = await eventually(two, what="two notifications in the inbox")
    assert [newest["kind"], oldest["kind"]] == ["match_accepted", "match_proposed"]
    assert newest["title"] == "You and Annie Easley are matched" and newest["read_at"] is None
    assert (await notifications_client.get("/v1/me/notifications/unread-count", headers=me)).json() == {
        "unread": 2
    }

    page = await notifications_client.get("/v1/me/notifications", headers=me, params={"limit": 1})
    assert [item["id"] for item in page.json()["items"]] == [newest["id"]]
    rest = await notifications_client.get(
        "/v1/me/notifications", headers=me, params={"limit": 1, "cursor": page.json()["next_cursor"]}
    )
    assert [item["id"] for item in rest.json()["items"]] == [oldest["id"]]

    url = f"/v1/me/notifications/{newest['id']}"
    assert (await notifications_client.patch(url, json={"read": True}, headers=me)).status_code == 428
    stale = await notifications_client.patch(url, json={"read": True}, headers={**me, "If-Match": '"7"'})
    assert stale.status_code == 412
    current = await notifications_client.get(url, headers=me)
    read = await notifications_client.patch(
        url, json={"read": True}, headers={**me, "If-Match": current.headers["ETag"]}
    )
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert (await notifications_client.get("/v1/me/notifications/unread-count", headers=me)).json() == {
        "unread": 1
    }
    assert [item["id"] for item in await inbox(notifications_client, me, unread=True)] == [oldest["id"]]

    archived = await notifications_client.patch(
        url, json={"archived": True}, headers={**me, "If-Match": read.headers["ETag"]}
    )
    assert archived.status_code == 200
    assert [item["id"] for item in await inbox(notifications_client, me)] == [oldest["id"]]
    assert [item["id"] for item in await inbox(notifications_client, me, archived=True)] == [newest["id"]]
    marked = await notifications_client.post("/v1/me/notifications/read-all", headers=me)
    assert marked.json() == {"marked_read": 1}


async def test_nobody_else_sees_or_changes_a_persons_notifications(
    org: Org, bus: Bus, notifications_client: httpx.AsyncClient
) -> None:
    await org.program()
    mentor = await org.person("Evelyn Boyd Granville")
    mentee = await org.person("Gladys West")
    await bus.publish(
        MatchProposed(match=org.match(mentor, mentee, MatchStatus.PROPOSED)), organization=org.organization
    )
    mine = await eventually(lambda: entries(notifications_client, org.as_person(mentee.id)), what="an entry")
    url = f"/v1/me/notifications/{mine[0]['id']}"
    for stranger in (
        org.as_person(mentor.id),  # the other side of the same match
        org.auth(org.organization, str(uuid.uuid4()), "admin"),  # an admin of the organization
        org.auth("another-org", str(mentee.id), "mentee"),  # the same id in another organization
    ):
        assert (await notifications_client.get(url, headers=stranger)).status_code == 404
        changed = await notifications_client.patch(
            url, json={"read": True}, headers={**stranger, "If-Match": '"1"'}
        )
        assert changed.status_code == 404
    integration = org.auth(org.organization, "hr-system", "integration")
    assert (await notifications_client.get("/v1/me/notifications", headers=integration)).status_code == 403
    assert (await notifications_client.get("/v1/me/notifications")).status_code == 401


async def test_the_live_stream_brings_new_notifications_and_resumes_after_the_last_event_id(
    notifications_platform: Platform, org: Org, bus: Bus, settings_overrides: dict[str, object]
) -> None:
    await org.program()
    mentor = await org.person("Mary Jackson")
    mentee = await org.person("Christine Darden")
    match = org.match(mentor, mentee, MatchStatus.ACCEPTED)
    me = org.as_person(mentee.id)
    async with (
        served(notifications_platform, settings_overrides) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=20) as client,
    ):
        async with client.stream("GET", "/v1/me/notifications/stream", headers=me) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            await bus.publish(MatchAccepted(match=match), organization=org.organization)
            [(first_id, first)] = await asyncio.wait_for(events(response, 1), timeout=20)
        assert first["kind"] == "match_accepted" and first["title"] == "You and Mary Jackson are matched"

        # While the browser is away, a session is booked; on reconnection it gets only that.
        booked = org.session(match, start=now() + timedelta(days=2))
        await bus.publish(SessionScheduled(session=booked), organization=org.organization)
        await eventually(lambda: _count(client, me, 2), what="the booking is in the inbox")
        async with client.stream(
            "GET", "/v1/me/notifications/stream", headers={**me, "Last-Event-ID": first_id}
        ) as response:
            [(second_id, second)] = await asyncio.wait_for(events(response, 1), timeout=20)
        assert second["kind"] == "session_booked" and int(second_id) > int(first_id)


async def _count(client: httpx.AsyncClient, headers: dict[str, str], count: int) -> bool:
    response = await client.get("/v1/me/notifications/unread-count", headers=headers)
    return bool(response.json()["unread"] == count)
