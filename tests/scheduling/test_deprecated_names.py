"""A pairing is a match: `/v1/matches/...` and `match_id` are the names, and the first ones
(`/v1/mentorships/...`, `mentorship_id`) keep working as deprecated aliases, marked so in OpenAPI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import AuthHeaders
from tests.scheduling.world import book, iso, make_pair, next_hour, set_policy

OLD, NEW = "/v1/mentorships", "/v1/matches"


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict((await client.get("/openapi.json")).json())


async def test_every_mentorships_path_is_a_deprecated_alias_of_its_matches_path(
    scheduling_client: httpx.AsyncClient,
) -> None:
    paths = (await openapi(scheduling_client))["paths"]
    old_paths = sorted(path for path in paths if path.startswith(OLD))
    assert old_paths, "the deprecated paths stay in the schema"
    for old in old_paths:
        new = NEW + old.removeprefix(OLD)
        assert set(paths[old]) == set(paths[new]), old
        for method, operation in paths[old].items():
            assert operation["deprecated"] is True, (method, old)
            assert not paths[new][method].get("deprecated"), (method, new)
            assert operation["tags"] == paths[new][method]["tags"] == ["matches"]
            assert operation["responses"].keys() == paths[new][method]["responses"].keys()


async def test_the_deprecated_field_and_query_parameter_are_marked_in_openapi(
    scheduling_client: httpx.AsyncClient,
) -> None:
    document = await openapi(scheduling_client)
    session_out = document["components"]["schemas"]["SessionOut"]["properties"]
    assert session_out["mentorship_id"]["deprecated"] is True
    assert not session_out["match_id"].get("deprecated")
    parameters = {item["name"]: item for item in document["paths"]["/v1/sessions"]["get"]["parameters"]}
    assert parameters["mentorship_id"]["deprecated"] is True
    assert not parameters["match_id"].get("deprecated")
    assert "mentorships" not in {tag["name"] for tag in document["tags"]}


async def test_the_old_paths_answer_like_the_new_ones(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    booked = await scheduling_client.post(
        f"{OLD}/{pair.id}/sessions",
        json={"format": "in_person", "start": iso(start), "location": "Room 1"},
        headers=pair.as_mentee,
    )
    assert booked.status_code == 201, booked.text
    taken = await scheduling_client.post(
        f"{NEW}/{pair.id}/sessions",
        json={"format": "in_person", "start": iso(start), "location": "Room 1"},
        headers=pair.as_mentee,
    )
    assert taken.status_code == 409  # one and the same booking, whichever path made it
    window = {"from": iso(start), "to": iso(start + timedelta(hours=3))}
    for path in ("", "/slots"):
        old = await scheduling_client.get(f"{OLD}/{pair.id}{path}", params=window, headers=pair.as_mentor)
        new = await scheduling_client.get(f"{NEW}/{pair.id}{path}", params=window, headers=pair.as_mentor)
        assert old.status_code == new.status_code == 200, path
        assert old.json() == new.json(), path
    listed_old = await scheduling_client.get(OLD, headers=pair.as_mentor)
    listed_new = await scheduling_client.get(NEW, headers=pair.as_mentor)
    assert listed_old.json() == listed_new.json()
    assert [item["id"] for item in listed_new.json()["items"]] == [str(pair.id)]


async def test_session_documents_carry_match_id_and_its_deprecated_duplicate(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    other = await make_pair(scheduling_db, auth, organization=pair.organization)
    session = await book(scheduling_client, pair, next_hour())
    await book(scheduling_client, other, next_hour())
    assert session["match_id"] == session["mentorship_id"] == str(pair.id)
    for name in ("match_id", "mentorship_id"):
        listed = await scheduling_client.get(
            "/v1/sessions", params={name: str(pair.id)}, headers=pair.as_admin
        )
        assert [item["id"] for item in listed.json()["items"]] == [session["id"]], name
    both = await scheduling_client.get(
        "/v1/sessions",
        params={"match_id": str(pair.id), "mentorship_id": str(pair.id)},
        headers=pair.as_admin,
    )
    assert [item["id"] for item in both.json()["items"]] == [session["id"]]
    contradicting = await scheduling_client.get(
        "/v1/sessions",
        params={"match_id": str(pair.id), "mentorship_id": str(other.id)},
        headers=pair.as_admin,
    )
    assert contradicting.status_code == 422
    assert contradicting.json()["errors"][0]["field"] == "query.mentorship_id"


async def test_meeting_links_fill_in_the_match_under_either_placeholder_name(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    for index, name in enumerate(("match_id", "mentorship_id")):
        await set_policy(
            scheduling_client,
            pair.as_admin,
            meeting_url_template=f"https://meet.example/{{{name}}}/{{session_id}}",
        )
        session = await book(scheduling_client, pair, start + timedelta(hours=2 * index), meeting_url=None)
        assert session["meeting_url"] == f"https://meet.example/{pair.id}/{session['id']}"
