"""What the matching API documents is what it does: refusals of text with control characters,
the audit's minimum group size, and who each 403 is for."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import AuthHeaders, new_org


async def test_a_nul_byte_in_an_exclusion_reason_or_a_request_message_is_a_422_naming_it(
    matching_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    org = new_org()
    program = uuid.uuid4()
    excluded = await matching_client.post(
        f"/v1/programs/{program}/exclusions",
        json={"mentee_id": str(uuid.uuid4()), "mentor_id": str(uuid.uuid4()), "reason": "Same team\x00"},
        headers=auth(org, str(uuid.uuid4()), "admin"),
    )
    requested = await matching_client.post(
        f"/v1/programs/{program}/requests",
        json={"mentor_id": str(uuid.uuid4()), "message": "Hello\x00"},
        headers=auth(org, str(uuid.uuid4()), "mentee"),
    )
    for response, field in ((excluded, "body.reason"), (requested, "body.message")):
        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_the_document_says_the_audit_minimum_group_size_the_code_enforces(
    matching_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    document = (await matching_client.get("/openapi.json")).json()
    assert document["components"]["schemas"]["AuditConfigIn"]["properties"]["min_group_size"]["minimum"] == 5
    admin = auth(new_org(), "admin", "admin")
    body = {"attributes": ["department"]}
    too_small = await matching_client.put(
        "/v1/audit/config", json={**body, "min_group_size": 4}, headers=admin
    )
    smallest = await matching_client.put(
        "/v1/audit/config", json={**body, "min_group_size": 5}, headers=admin
    )
    assert too_small.status_code == 422 and smallest.status_code == 200


async def test_every_admin_operation_documents_its_403_for_admins_only(
    matching_client: httpx.AsyncClient,
) -> None:
    document = (await matching_client.get("/openapi.json")).json()
    admin_only = [
        (method, path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if operation["responses"].get("403", {}).get("description", "").startswith("Requires the role admin")
    ]
    assert len(admin_only) >= 15, admin_only
    exclusions = document["paths"]["/v1/programs/{program_id}/exclusions"]["post"]["responses"]
    rounds = document["paths"]["/v1/rounds/{round_id}"]["get"]["responses"]
    for responses in (exclusions, rounds):
        assert {"401", "403", "404"} <= responses.keys()
        assert responses["404"]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
