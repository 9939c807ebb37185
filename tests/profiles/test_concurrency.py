"""Optimistic concurrency (ETag / If-Match) and idempotent creation (Idempotency-Key)."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.profiles.conftest import Org, assert_problem, person_body, program_body


async def test_update_without_if_match_is_428_and_writes_nothing(org: Org) -> None:
    person = await org.person()
    before = await org.written.snapshot()
    response = await org.client.patch(f"/v1/people/{person['id']}", json={"bio": "x"}, headers=org.admin)
    assert_problem(response, 428)
    assert await org.written.snapshot() == before


async def test_update_with_a_stale_etag_is_412_and_writes_nothing(org: Org) -> None:
    person = await org.person()
    url = f"/v1/people/{person['id']}"
    await org.client.patch(url, json={"bio": "first"}, headers={**org.admin, "If-Match": '"1"'})
    before = await org.written.snapshot()
    response = await org.client.patch(url, json={"bio": "second"}, headers={**org.admin, "If-Match": '"1"'})
    problem = assert_problem(response, 412)
    assert '"2"' in problem["detail"]
    assert await org.written.snapshot() == before


async def test_the_etag_follows_the_version_through_get_post_and_patch(org: Org) -> None:
    created = await org.client.post("/v1/people", json=person_body(), headers=org.admin)
    url = created.headers["Location"]
    etag = created.headers["ETag"]
    for bio in ("one", "two", "three"):
        changed = await org.client.patch(url, json={"bio": bio}, headers={**org.admin, "If-Match": etag})
        assert changed.status_code == 200
        etag = changed.headers["ETag"]
        fetched = await org.client.get(url, headers=org.admin)
        assert fetched.headers["ETag"] == etag == f'"{fetched.json()["version"]}"'
    assert etag == '"4"'


async def test_if_match_accepts_a_weak_tag_a_list_or_a_star(org: Org) -> None:
    person = await org.person()
    url = f"/v1/people/{person['id']}"
    for if_match, version in (('W/"1"', 2), ('"9", "2"', 3), ("*", 4)):
        response = await org.client.patch(
            url, json={"bio": f"v{version}"}, headers={**org.admin, "If-Match": if_match}
        )
        assert response.status_code == 200 and response.json()["version"] == version


async def test_of_two_concurrent_updates_of_one_version_exactly_one_wins(org: Org) -> None:
    person = await org.person()
    url = f"/v1/people/{person['id']}"
    responses = await asyncio.gather(
        *(
            org.client.patch(url, json={"bio": f"writer {n}"}, headers={**org.admin, "If-Match": '"1"'})
            for n in range(2)
        )
    )
    assert sorted(response.status_code for response in responses) == [200, 412]
    assert len(await org.written.events()) == 2


async def test_idempotent_create_returns_same_response(org: Org) -> None:
    body = json.dumps(person_body()).encode()
    headers = {**org.admin, "Idempotency-Key": "create-ada", "Content-Type": "application/json"}

    first = await org.client.post("/v1/people", content=body, headers=headers)
    second = await org.client.post("/v1/people", content=body, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    for header in ("ETag", "Location"):
        assert second.headers[header] == first.headers[header]
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await org.written.count("people") == 1
    assert len(await org.written.events()) == 1


async def test_reused_idempotency_key_with_other_body_is_422(org: Org) -> None:
    headers = {**org.admin, "Idempotency-Key": "create-once"}
    first = await org.client.post("/v1/people", json=person_body(name="Ada"), headers=headers)
    before = await org.written.snapshot()

    second = await org.client.post("/v1/people", json=person_body(name="Grace"), headers=headers)

    assert first.status_code == 201
    problem = assert_problem(second, 422)
    assert problem["type"] == "/problems/idempotency-key-reused"
    assert await org.written.snapshot() == before


async def test_a_refused_create_does_not_consume_its_idempotency_key(org: Org) -> None:
    headers = {**org.admin, "Idempotency-Key": "retry-me"}
    refused = await org.client.post("/v1/people", json=person_body(time_zone="Nowhere"), headers=headers)
    assert_problem(refused, 422)
    assert await org.written.count("idempotency_keys") == 0
    accepted = await org.client.post("/v1/people", json=person_body(), headers=headers)
    assert accepted.status_code == 201


async def test_idempotency_keys_belong_to_one_caller(org: Org) -> None:
    body = json.dumps(person_body()).encode()
    first = await org.client.post(
        "/v1/people",
        content=body,
        headers={**org.admin, "Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    other_admin = org.auth(org.id, "another-admin", "admin")
    second = await org.client.post(
        "/v1/people",
        content=body,
        headers={**other_admin, "Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert first.status_code == 201
    assert_problem(second, 409, "email")  # not a replay: a second creation, refused as a duplicate


@pytest.mark.parametrize("resource", ["program", "enrollment", "skill"])
async def test_every_creating_post_honours_idempotency_key(org: Org, resource: str) -> None:
    if resource == "program":
        path, body, other_body = "/v1/programs", program_body(), program_body(name="Other")
    elif resource == "enrollment":
        program, person = await org.program(), await org.person()
        path = f"/v1/programs/{program['id']}/enrollments"
        body = {"person_id": person["id"], "role": "mentor"}
        other_body = {"person_id": person["id"], "role": "mentee"}
    else:
        path = "/v1/skills"
        body = {"slug": "graph-neural-networks", "label": "GNNs"}
        other_body = {"slug": "graph-neural-networks", "label": "Graph neural networks"}
    headers = {**org.admin, "Idempotency-Key": f"{resource}-1"}
    events_before = len(await org.written.events())

    first = await org.client.post(path, json=body, headers=headers)
    second = await org.client.post(path, json=body, headers=headers)
    other = await org.client.post(path, json=other_body, headers=headers)

    assert first.status_code == second.status_code == 201, first.text
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert assert_problem(other, 422)["type"] == "/problems/idempotency-key-reused"
    assert len(await org.written.events()) == events_before + 1
