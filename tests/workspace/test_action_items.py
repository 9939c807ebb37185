"""Action items: an owner from the pair, a due date in the owner's time zone, done or not, comments
from either side; overdue items are listed, and announced once each by the overdue job."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from shared.contracts.workspace import ActionItemOverdue
from shared.db import transaction
from tests.workspace.world import World, etag, in_days, now
from workspace.service.action_items import announce_overdue


async def test_either_member_adds_an_item_for_one_of_the_pair(world: World) -> None:
    pair = await world.pair()
    created = await pair.client.post(
        pair.path("/action-items"),
        headers={**pair.as_mentor, "Idempotency-Key": "read-attention"},
        json={"title": "Read the attention paper", "owner_id": str(pair.mentee.id), "due_date": in_days(3)},
    )
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["owner_id"] == str(pair.mentee.id) and item["created_by"] == str(pair.mentor.id)
    replay = await pair.client.post(
        pair.path("/action-items"),
        headers={**pair.as_mentor, "Idempotency-Key": "read-attention"},
        json={"title": "Read the attention paper", "owner_id": str(pair.mentee.id), "due_date": in_days(3)},
    )
    assert replay.headers.get("Idempotent-Replayed") == "true" and replay.json()["id"] == item["id"]
    assert await world.count("action_items", pair.organization) == 1
    comment = await pair.client.post(
        f"/v1/action-items/{item['id']}/comments", headers=pair.as_mentee, json={"body": "Section 3 only?"}
    )
    assert comment.status_code == 201
    done = await pair.client.patch(
        f"/v1/action-items/{item['id']}", headers={**pair.as_mentee, **etag(created)}, json={"done": True}
    )
    assert done.status_code == 200 and done.json()["done"] and done.json()["done_at"]
    stale = await pair.client.patch(
        f"/v1/action-items/{item['id']}", headers={**pair.as_mentor, **etag(created)}, json={"title": "x"}
    )
    assert stale.status_code == 412


async def test_items_are_refused_for_outsiders_past_dates_and_empty_titles(world: World) -> None:
    pair = await world.pair()
    cases = [
        {"title": "x", "owner_id": str(pair.admin_id)},
        {"title": "x", "due_date": in_days(-3)},
        {"title": ""},
        {"title": "t" * 301},
    ]
    for body in cases:
        response = await pair.client.post(pair.path("/action-items"), headers=pair.as_mentee, json=body)
        assert response.status_code == 422, body
    assert await world.count("action_items", pair.organization) == 0


async def test_overdue_items_are_listed_and_announced_once(world: World) -> None:
    pair = await world.pair()
    due_soon = await pair.client.post(
        pair.path("/action-items"),
        headers=pair.as_mentee,
        json={"title": "Mock interview on Friday", "due_date": in_days(0)},
    )
    later = await pair.client.post(
        pair.path("/action-items"), headers=pair.as_mentee, json={"title": "Later", "due_date": in_days(30)}
    )
    assert due_soon.status_code == later.status_code == 201
    overdue = await pair.client.get(
        pair.path("/action-items"), headers=pair.as_mentor, params={"overdue": "true"}
    )
    assert overdue.json()["items"] == []

    # Two days on, the first one's due date has ended where its owner lives.
    future = now() + timedelta(days=2)
    with time_machine.travel(future, tick=True):
        listed = await pair.client.get(
            pair.path("/action-items"), headers=pair.as_mentor, params={"overdue": "true"}
        )
        dashboard = await pair.client.get(pair.path("/dashboard"), headers=pair.as_mentee)
    assert [i["id"] for i in listed.json()["items"]] == [due_soon.json()["id"]]
    assert [i["id"] for i in dashboard.json()["overdue_action_items"]] == [due_soon.json()["id"]]
    assert dashboard.json()["workspace"]["action_items_overdue"] is True
    async with transaction(world.sessions) as session:
        await announce_overdue(session, now=future, limit=1000)
    async with transaction(world.sessions) as session:
        await announce_overdue(session, now=future + timedelta(hours=1), limit=1000)
    events = await world.published(pair.organization, ActionItemOverdue)
    assert [e["data"]["action_item_id"] for e in events] == [due_soon.json()["id"]]
    assert events[0]["data"]["owner_id"] == str(pair.mentee.id)
    assert "Mock interview" not in await world.raw_outbox(pair.organization)

    # A new due date is a new deadline, which can be missed (and announced) again.
    moved = await pair.client.patch(
        f"/v1/action-items/{due_soon.json()['id']}",
        headers={**pair.as_mentee, **etag(due_soon)},
        json={"due_date": in_days(1)},
    )
    assert moved.status_code == 200
    async with transaction(world.sessions) as session:
        await announce_overdue(session, now=future + timedelta(days=1), limit=1000)
    assert len(await world.published(pair.organization, ActionItemOverdue)) == 2


async def test_closed_workspaces_announce_nothing(world: World) -> None:
    pair = await world.pair()
    await pair.client.post(
        pair.path("/action-items"), headers=pair.as_mentee, json={"title": "x", "due_date": in_days(0)}
    )
    await pair.end()
    async with transaction(world.sessions) as session:
        await announce_overdue(session, now=now() + timedelta(days=3), limit=1000)
    assert await world.published(pair.organization, ActionItemOverdue) == []
