"""The audit trail as admins query it: by resource, by actor, by time range, a cursor's pages and
CSV; each entry names who acted, and for personal fields only that they changed. Nothing changes
an entry: the API has no way to, and the database refuses it."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from mentorship.platform_client import ApiError, Document, PlatformClient
from tests.e2e.conftest import eventually
from tests.privacy.conftest import World, known_person


async def _trail(client: PlatformClient, **filters: Any) -> list[Document]:
    return await client.audit_entries(**filters)


async def _entries_for(client: PlatformClient, count: int, **filters: Any) -> list[Document]:
    async def enough() -> list[Document] | None:
        entries = await _trail(client, **filters)
        return entries if len(entries) >= count else None

    return await eventually(enough, what=f"{count} entries for {filters}")


async def test_each_change_is_in_the_trail_with_its_actor_and_only_names_personal_fields(
    world: World,
) -> None:
    client = world.organization()
    ada = await known_person(client, "Ada Lovelace")
    await client.update_person(str(ada["id"]), {"name": "Ada King", "seniority": "senior"})
    await client.deactivate_person(str(ada["id"]))

    entries = await _entries_for(client, 3, resource_id=str(ada["id"]), service="profiles")
    assert [(e["action"], e["resource_type"]) for e in entries] == [
        ("updated", "person"),
        ("updated", "person"),
        ("created", "person"),
    ], "newest first"
    assert {(e["actor_type"], e["actor_id"]) for e in entries} == {("admin", client.admin.subject)}
    assert all(e["request_id"] and e["trace_id"] for e in entries)
    deactivated, renamed, created = entries
    assert deactivated["changes"]["active"] == {"old": True, "new": False}
    assert renamed["changes"]["name"] == "changed", "a personal field: only that it changed"
    assert renamed["changes"]["seniority"] == {"old": None, "new": "senior"}
    assert "Ada" not in str(entries) and ada["email"] not in str(entries)
    assert created["changes"]["email"] == "changed"


async def test_admins_query_by_resource_actor_and_time_with_cursor_pages_and_csv(world: World) -> None:
    client = world.organization()
    first = await known_person(client, "Grace Hopper")
    await _entries_for(client, 1, resource_id=str(first["id"]))
    await asyncio.sleep(0.05)
    middle = datetime.now(UTC)
    others = [await known_person(client, f"Person {n}") for n in range(4)]
    as_other = PlatformClient.person(str(others[0]["id"]), "mentee")
    export = await client.request_export(actor=as_other)
    everything = await _entries_for(client, 6)

    # By resource, by actor, by service and action.
    assert {e["resource_id"] for e in await _trail(client, resource_id=str(first["id"]))} == {
        str(first["id"])
    }
    by_person = await _entries_for(client, 1, actor_id=str(others[0]["id"]))
    assert {(e["resource_type"], e["resource_id"], e["actor_type"]) for e in by_person} == {
        ("export", export["id"], "person")
    }
    created = await _trail(client, service="profiles", resource_type="person", action="created")
    assert len(created) == 5
    # By time: since is inclusive, until exclusive.
    later = await _trail(client, since=middle.isoformat(), resource_type="person")
    assert {e["resource_id"] for e in later} == {str(person["id"]) for person in others}
    earlier = await _trail(client, until=middle.isoformat(), resource_type="person")
    assert {e["resource_id"] for e in earlier} == {str(first["id"])}

    # A cursor's pages: every entry once, newest first.
    pages, cursor, seen = 0, None, []
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.document("privacy", "GET", "/v1/audit-entries", params=params)
        seen += page["items"]
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert pages >= 3
    assert {e["id"] for e in everything} <= {e["id"] for e in seen}
    assert len({e["id"] for e in seen}) == len(seen)
    assert [e["at"] for e in seen] == sorted((e["at"] for e in seen), reverse=True)
    with pytest.raises(ApiError) as bad:
        await client.call("privacy", "GET", "/v1/audit-entries", params={"cursor": "not-a-cursor"})
    assert bad.value.status_code in (400, 422)

    # CSV with the same filters: a header, then the same entries.
    response = await client.call(
        "privacy", "GET", "/v1/audit-entries.csv", params={"service": "profiles", "resource_type": "person"}
    )
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    listed = await _trail(client, service="profiles", resource_type="person")
    assert [row["id"] for row in rows] == [e["id"] for e in listed]
    assert rows[0]["actor_type"] == "admin" and rows[0]["service"] == "profiles"
    # Downloading the trail is itself in the trail.
    reads = await _entries_for(client, 1, resource_type="audit_trail", action="read")
    assert reads[0]["actor_id"] == client.admin.subject


async def test_the_trail_is_append_only(world: World) -> None:
    client = world.organization()
    ada = await known_person(client)
    (entry,) = await _entries_for(client, 1, resource_id=str(ada["id"]))
    for method, path in (
        ("PUT", f"/v1/audit-entries/{entry['id']}"),
        ("PATCH", f"/v1/audit-entries/{entry['id']}"),
        ("DELETE", f"/v1/audit-entries/{entry['id']}"),
        ("DELETE", "/v1/audit-entries"),
        ("POST", "/v1/audit-entries"),
    ):
        with pytest.raises(ApiError) as refused:
            await client.call("privacy", method, path, json={})
        assert refused.value.status_code in (404, 405), (method, path)
    engine = create_async_engine(world.platform.database_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as db:
                await db.execute(
                    text("UPDATE privacy.audit_entries SET actor_id = 'someone else' WHERE id = :id"),
                    {"id": entry["id"]},
                )
    finally:
        await engine.dispose()
    assert (await _trail(client, resource_id=str(ada["id"])))[0]["actor_id"] == client.admin.subject


async def test_reading_ones_own_self_identification_is_in_the_trail(world: World) -> None:
    client = world.organization()
    ada = await known_person(client)
    as_ada = PlatformClient.person(str(ada["id"]), "mentee")
    await client.document("profiles", "GET", "/v1/me/self-identification", actor=as_ada)
    (read,) = await _entries_for(client, 1, resource_type="self_identification", action="read")
    assert (read["service"], read["actor_type"], read["actor_id"]) == ("profiles", "person", str(ada["id"]))
    assert read["changes"] == {"read": "self-identification"}
