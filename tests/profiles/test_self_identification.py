"""Consented self-identification: attributes an organization offers, a person's value with explicit,
recorded and revocable consent per purpose; values sealed at rest and never visible to anyone else
(an admin's token included), in no list, SCIM response, webhook or event (matching gets pseudonymous
keys only)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import text

from profiles.config import DEV_SELF_ID_ENCRYPTION_KEY, ProfilesSettings
from profiles.routes.self_identification import GROUP_LABELS_READ
from profiles.service.self_identification import reseal
from shared.contracts.profiles import SelfIdentificationUpdated
from shared.secret_box import SecretBox
from tests.profiles.conftest import Org, assert_problem
from webhooks.catalog import published_event_types

GENDER: dict[str, Any] = {
    "label": "Gender",
    "values": [
        {"id": "woman", "label": "Woman"},
        {"id": "man", "label": "Man"},
        {"id": "non_binary", "label": "Non-binary"},
        {"id": "self_described", "label": "Prefer to self-describe"},
    ],
    "purposes": ["fairness_reports", "matching_preference"],
}
CAREGIVER: dict[str, Any] = {
    "label": "Caregiver status",
    "values": [
        {"id": "caregiver", "label": "Caregiver"},
        {"id": "not_caregiver", "label": "Not a caregiver"},
    ],
    "purposes": ["fairness_reports"],
}
BOTH = ["fairness_reports", "matching_preference"]
DEV_BOX = SecretBox([SecretStr(DEV_SELF_ID_ENCRYPTION_KEY)])


async def offer(org: Org, slug: str, body: dict[str, Any], *, if_match: str | None = None) -> dict[str, Any]:
    headers = {**org.admin, **({"If-Match": if_match} if if_match else {})}
    response = await org.client.put(f"/v1/self-identification/attributes/{slug}", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def identify(org: Org, person: dict[str, Any], slug: str, value: str, purposes: list[str]) -> Any:
    return await org.client.put(
        f"/v1/me/self-identification/{slug}",
        json={"value": value, "purposes": purposes},
        headers=org.as_person(person),
    )


def self_id_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == SelfIdentificationUpdated.event_type.name]


async def test_a_person_self_identifies_with_consent_per_purpose_and_sees_it_with_the_record(
    org: Org,
) -> None:
    await offer(org, "gender", GENDER)
    person = await org.person()
    listed = await org.client.get("/v1/self-identification/attributes", headers=org.as_person(person))
    assert [item["slug"] for item in listed.json()["items"]] == ["gender"]

    response = await identify(org, person, "gender", "non_binary", BOTH)
    assert response.status_code == 200, response.text
    own = response.json()
    assert own["items"] == [
        {
            "attribute": "gender",
            "label": "Gender",
            "value": "non_binary",
            "value_label": "Non-binary",
            "purposes": BOTH,
            "updated_at": own["items"][0]["updated_at"],
        }
    ]
    assert [(c["purpose"], c["action"], c["recorded_by"]) for c in own["consents"]] == [
        ("fairness_reports", "granted", person["id"]),
        ("matching_preference", "granted", person["id"]),
    ]


async def test_values_are_sealed_at_rest_apart_from_the_profile(org: Org) -> None:
    await offer(org, "gender", GENDER)
    person = await org.person()
    await identify(org, person, "gender", "woman", ["fairness_reports"])
    async with org.written.engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT sealed_value, purposes FROM profiles.self_identifications WHERE person_id = :id"
                ),
                {"id": person["id"]},
            )
        ).one()
        profile = (
            await connection.execute(
                text("SELECT * FROM profiles.people WHERE id = :id"), {"id": person["id"]}
            )
        ).one()
    assert "woman" not in row.sealed_value and DEV_BOX.open(row.sealed_value) == "woman"
    assert "woman" not in str(profile)


async def test_no_admin_token_can_read_anyones_self_identification(org: Org) -> None:
    await offer(org, "gender", GENDER)
    person = await org.person(external_id=f"hr-{uuid.uuid4().hex[:6]}")
    await identify(org, person, "gender", "self_described", BOTH)
    admin = org.admin
    integration = org.auth(org.id, "hr-sync", "integration")
    seen = [
        await org.client.get(f"/v1/people/{person['id']}", headers=admin),
        await org.client.get("/v1/people", headers=admin),
        await org.client.get("/v1/me/self-identification", headers=admin),
        await org.client.get("/v1/me/personal-data", headers=admin),
        await org.client.get(f"/scim/v2/Users/{person['id']}", headers=integration),
        await org.client.get("/scim/v2/Users", headers=integration),
        await org.client.get("/v1/self-identification/attributes/gender/groups", headers=admin),
    ]
    *about_people, labels = seen
    for response in about_people:
        assert response.status_code == 200, response.request.url
        assert "self_described" not in response.text, response.request.url
        assert "Prefer to self-describe" not in response.text, response.request.url
    # The group labels name values, never people.
    assert labels.status_code == 200 and person["id"] not in labels.text
    assert seen[2].json() == {"items": [], "consents": []}
    for path in (
        f"/v1/people/{person['id']}/self-identification",
        f"/v1/people/{person['id']}/personal-data",
        f"/v1/self-identification/people/{person['id']}",
    ):
        assert (await org.client.get(path, headers=admin)).status_code in (404, 405)


async def test_events_carry_pseudonymous_keys_only_and_never_reach_webhooks(org: Org) -> None:
    await offer(org, "gender", GENDER)
    first, second, third = await org.person(), await org.person(), await org.person()
    await identify(org, first, "gender", "woman", BOTH)
    await identify(org, second, "gender", "woman", ["fairness_reports"])
    await identify(org, third, "gender", "man", ["matching_preference"])
    states = [event["data"]["self_identification"] for event in self_id_events(await org.written.events())]
    assert "woman" not in str(states) and "man" not in str(states).replace("matching", "")
    keys = [state["fairness_groups"] + state["matching_groups"] for state in states]
    assert keys[0][0]["group_key"] == keys[0][1]["group_key"] == keys[1][0]["group_key"]
    assert keys[2][0]["group_key"] != keys[0][0]["group_key"]
    assert [len(state["fairness_groups"]) for state in states] == [1, 1, 0]
    assert [len(state["matching_groups"]) for state in states] == [1, 0, 1]
    assert SelfIdentificationUpdated.event_type.name not in published_event_types()

    labels = await org.client.get("/v1/self-identification/attributes/gender/groups", headers=org.admin)
    by_key = {item["group_key"]: item["label"] for item in labels.json()["items"]}
    assert by_key[keys[0][0]["group_key"]] == "Woman" and by_key[keys[2][0]["group_key"]] == "Man"
    assert_problem(
        await org.client.get(
            "/v1/self-identification/attributes/gender/groups", headers=org.as_person(first)
        ),
        403,
    )
    # The admin's read of the labels (what de-pseudonymizes fairness reports) is in the trail; the
    # refused one is not.
    admin_id = org.admin_subject
    assert [read for read in await org.written.reads() if read[0] == "self_identification_attribute"] == [
        ("self_identification_attribute", "gender", admin_id, GROUP_LABELS_READ)
    ]


async def test_the_same_value_has_different_keys_in_different_organizations(org: Org) -> None:
    other = Org(id=f"org-{uuid.uuid4().hex[:12]}", client=org.client, auth=org.auth, written=org.written)
    keys = []
    for organization in (org, other):
        await offer(organization, "gender", GENDER)
        labels = await org.client.get(
            "/v1/self-identification/attributes/gender/groups", headers=organization.admin
        )
        keys.append({item["value"]: item["group_key"] for item in labels.json()["items"]})
    assert keys[0]["woman"] != keys[1]["woman"]


async def test_revoking_is_recorded_and_a_value_without_any_purpose_is_deleted(org: Org) -> None:
    await offer(org, "gender", GENDER)
    person = await org.person()
    await identify(org, person, "gender", "woman", BOTH)
    revoked = await org.client.delete(
        "/v1/me/self-identification/gender/purposes/fairness_reports", headers=org.as_person(person)
    )
    assert revoked.status_code == 200 and revoked.json()["items"][0]["purposes"] == ["matching_preference"]
    assert [c["action"] for c in revoked.json()["consents"]] == ["granted", "granted", "revoked"]
    last = self_id_events(await org.written.events())[-1]["data"]["self_identification"]
    assert last["fairness_groups"] == [] and len(last["matching_groups"]) == 1

    gone = await org.client.delete("/v1/me/self-identification/gender", headers=org.as_person(person))
    assert gone.status_code == 204
    assert await org.written.count("self_identifications") == 0
    own = (await org.client.get("/v1/me/self-identification", headers=org.as_person(person))).json()
    assert own["items"] == [] and [c["action"] for c in own["consents"]][-1] == "revoked"
    last = self_id_events(await org.written.events())[-1]["data"]["self_identification"]
    assert last["fairness_groups"] == last["matching_groups"] == [] and last["version"] == 3
    again = await org.client.delete("/v1/me/self-identification/gender", headers=org.as_person(person))
    assert_problem(again, 404)


async def test_changing_the_value_records_consent_again_and_dropping_a_purpose_revokes_it(org: Org) -> None:
    await offer(org, "gender", GENDER)
    person = await org.person()
    await identify(org, person, "gender", "woman", BOTH)
    changed = await identify(org, person, "gender", "non_binary", ["fairness_reports"])
    actions = [(c["purpose"], c["action"]) for c in changed.json()["consents"]]
    assert actions[2:] == [("matching_preference", "revoked"), ("fairness_reports", "granted")]


@pytest.mark.parametrize(
    ("slug", "body", "status", "field"),
    [
        ("religion", {"value": "woman", "purposes": ["fairness_reports"]}, 422, "path.attribute"),
        ("Gender!", {"value": "woman", "purposes": ["fairness_reports"]}, 422, "path.attribute"),
        ("gender", {"value": "martian", "purposes": ["fairness_reports"]}, 422, "body.value"),
        ("caregiver", {"value": "caregiver", "purposes": ["matching_preference"]}, 422, "body.purposes.0"),
        ("gender", {"value": "woman", "purposes": []}, 422, "body.purposes"),
        ("gender", {"value": "woman", "purposes": ["advertising"]}, 422, "body.purposes.0"),
        ("gender", {"value": "woman"}, 422, "body.purposes"),
    ],
)
async def test_bad_self_identification_is_refused_naming_the_field_and_nothing_is_written(
    org: Org, slug: str, body: dict[str, Any], status: int, field: str
) -> None:
    await offer(org, "gender", GENDER)
    await offer(org, "caregiver", CAREGIVER)
    person = await org.person()
    before = await org.written.snapshot()
    response = await org.client.put(
        f"/v1/me/self-identification/{slug}", json=body, headers=org.as_person(person)
    )
    problem = assert_problem(response, status)
    assert field in {error["field"] for error in problem["errors"]}, problem
    assert await org.written.snapshot() == before
    assert await org.written.count("self_identifications") == 0
    assert await org.written.count("self_id_consents") == 0


async def test_a_disabled_attribute_or_a_purpose_taken_away_revokes_consent_in_the_record(org: Org) -> None:
    offered = await offer(org, "gender", GENDER)
    person = await org.person()
    await identify(org, person, "gender", "woman", BOTH)
    narrowed = await offer(org, "gender", {**GENDER, "purposes": ["fairness_reports"]}, if_match='"1"')
    assert narrowed["version"] == offered["version"] + 1
    own = (await org.client.get("/v1/me/self-identification", headers=org.as_person(person))).json()
    assert own["items"][0]["purposes"] == ["fairness_reports"]
    assert own["consents"][-1]["action"] == "revoked" and own["consents"][-1]["recorded_by"] != person["id"]
    await offer(org, "gender", {**GENDER, "enabled": False}, if_match='"2"')
    assert await org.written.count("self_identifications") == 0
    hidden = await org.client.get("/v1/self-identification/attributes", headers=org.as_person(person))
    assert hidden.json()["items"] == []
    refused = await identify(org, person, "gender", "woman", ["fairness_reports"])
    assert_problem(refused, 422)


async def test_only_admins_offer_attributes_and_changes_need_if_match(org: Org) -> None:
    person = await org.person()
    denied = await org.client.put(
        "/v1/self-identification/attributes/gender", json=GENDER, headers=org.as_person(person)
    )
    assert_problem(denied, 403)
    await offer(org, "gender", GENDER)
    assert_problem(
        await org.client.put("/v1/self-identification/attributes/gender", json=GENDER, headers=org.admin), 428
    )
    duplicate_values = {**GENDER, "values": [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}]}
    refused = await org.client.put(
        "/v1/self-identification/attributes/gender",
        json=duplicate_values,
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert_problem(refused, 422, "values")


def test_production_refuses_the_development_key_and_anything_not_a_fernet_key() -> None:
    with pytest.raises(ValidationError, match="SELF_ID_ENCRYPTION_KEYS"):
        ProfilesSettings(environment="production", jwt_secret="x" * 40)
    with pytest.raises(ValidationError, match="Fernet"):
        ProfilesSettings(self_id_encryption_keys=["CHANGE-ME"])
    real = "aGVyZS1pcy1hLXJlYWwtMzItYnl0ZS1rZXktZm9yLXU="
    assert ProfilesSettings(environment="production", jwt_secret="x" * 40, self_id_encryption_keys=[real])


async def test_a_new_key_put_first_reseals_everything_so_the_old_key_can_go(org: Org) -> None:
    await offer(org, "gender", GENDER)
    person = await org.person()
    await identify(org, person, "gender", "man", ["fairness_reports"])
    await org.client.get("/v1/self-identification/attributes/gender/groups", headers=org.admin)
    new_key = "bmV3LWtleS1hZnRlci1yb3RhdGlvbi0zMi1ieXRlcyE="
    rotated = SecretBox([SecretStr(new_key), SecretStr(DEV_SELF_ID_ENCRYPTION_KEY)])
    from shared.db import session_factory, transaction

    sessions = session_factory(org.written.engine)
    while True:
        async with transaction(sessions) as session:
            if not await reseal(session, box=rotated, batch_size=1000, organization=org.id):
                break
    async with org.written.engine.connect() as connection:
        sealed = await connection.scalar(
            text("SELECT sealed_value FROM profiles.self_identifications WHERE person_id = :id"),
            {"id": person["id"]},
        )
        secret = await connection.scalar(
            text("SELECT sealed_secret FROM profiles.self_id_secrets WHERE organization = :org"),
            {"org": org.id},
        )
    only_new = SecretBox([SecretStr(new_key)])
    assert only_new.open(sealed) == "man"
    assert only_new.open(secret)
    with pytest.raises(ValueError):
        DEV_BOX.open(sealed)
    # Back to the development key, for the workers of later tests.
    back = SecretBox([SecretStr(DEV_SELF_ID_ENCRYPTION_KEY), SecretStr(new_key)])
    async with transaction(sessions) as session:
        assert await reseal(session, box=back, batch_size=1000, organization=org.id) == 2
