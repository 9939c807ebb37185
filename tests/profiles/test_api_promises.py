"""What the profiles API documents is what it does: SCIM speaks application/scim+json and says so,
`POST /scim/v2/.search` is documented as the 501 it is, SCIM's If-Match stays optional, and
imports are listed at the path that used to be taken for an import id."""

from __future__ import annotations

from typing import Any

import httpx

from tests.profiles.conftest import Org, assert_problem
from tests.profiles.test_bulk_import import as_csv, person_row

SCIM_JSON = "application/scim+json"


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict((await client.get("/openapi.json")).json())


async def test_scim_operations_document_the_scim_media_type_and_their_errors(org: Org) -> None:
    paths = (await _document(org.client))["paths"]
    scim = {
        (method, path): operation
        for path, item in paths.items()
        if path.startswith("/scim/v2")
        for method, operation in item.items()
    }
    assert len(scim) == 13
    for (_, path), operation in scim.items():
        successes = [status for status in operation["responses"] if status.startswith("2")]
        for status in successes:
            assert list(operation["responses"][status].get("content", {SCIM_JSON: 0})) == [SCIM_JSON], path
        if "requestBody" in operation:
            assert SCIM_JSON in operation["requestBody"]["content"], path
    users = paths["/scim/v2/Users/{user_id}"]
    for method, statuses in {
        "put": {"400", "404", "409", "412", "415"},
        "patch": {"400", "404", "412", "415"},
    }.items():
        responses = users[method]["responses"]
        assert statuses <= responses.keys()
        for status in statuses:
            assert SCIM_JSON in responses[status]["content"], (method, status)
        if_match = next(p for p in users[method]["parameters"] if p["name"] == "If-Match")
        assert if_match["required"] is False and "428" not in responses
    search = paths["/scim/v2/.search"]["post"]["responses"]
    assert "200" not in search and SCIM_JSON in search["501"]["content"]


async def test_role_refusals_of_scim_are_documented_and_answered_as_scim_errors(org: Org) -> None:
    paths = (await _document(org.client))["paths"]
    secured = [
        operation
        for path, item in paths.items()
        if path.startswith("/scim/v2/Users") or path == "/scim/v2/.search"
        for operation in item.values()
    ]
    assert len(secured) == 8 and all("403" in operation["responses"] for operation in secured)
    refused = await org.client.get("/scim/v2/Users", headers=org.auth(org.id, "someone", "mentee"))
    assert refused.status_code == 403 and refused.headers["content-type"].startswith(SCIM_JSON)


async def test_imports_are_listed_newest_first_at_the_imports_path(org: Org) -> None:
    started = []
    for external_id in ("L1", "L2"):
        response = await org.client.post(
            "/v1/imports/people?dry_run=true",
            content=as_csv([person_row(external_id)]),
            headers={**org.admin, "Content-Type": "text/csv"},
        )
        assert response.status_code == 201, response.text
        started.append(response.json()["id"])

    listed = await org.client.get("/v1/imports/people", headers=org.admin)
    first = await org.client.get("/v1/imports/people?limit=1", headers=org.admin)
    other = await org.client.get("/v1/imports/people", headers=org.auth("org-else", "someone", "admin"))

    assert listed.status_code == 200, listed.text
    assert [job["id"] for job in listed.json()["items"]] == started[::-1]
    rest = await org.client.get(
        f"/v1/imports/people?limit=1&cursor={first.json()['next_cursor']}", headers=org.admin
    )
    assert [job["id"] for job in first.json()["items"] + rest.json()["items"]] == started[::-1]
    assert other.json()["items"] == []
    assert_problem(await org.client.get("/v1/imports/people", headers=org.as_person(org.id)), 403)
