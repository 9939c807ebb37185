"""Every change publishes one event through the outbox, in the same transaction, carrying the
entity's full current state and its version, so consumers can build read models from events alone."""

from __future__ import annotations

from typing import Any

from shared.contracts.profiles import EnrollmentState, PersonState, ProgramState
from shared.events import CloudEvent
from tests.profiles.conftest import Org


def without_view(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "view"}


async def test_every_change_writes_one_outbox_event_with_full_state_and_version(org: Org) -> None:
    admin = org.admin
    expected: list[tuple[str, str, dict[str, Any]]] = []  # (type, subject, state as the API returned it)

    person = await org.person()
    expected.append(("person.created", person["id"], person))
    changed = (
        await org.client.patch(
            f"/v1/people/{person['id']}",
            json={"bio": "New bio", "mentor_capacity": 5},
            headers={**admin, "If-Match": '"1"'},
        )
    ).json()
    expected.append(("person.updated", person["id"], changed))
    deactivated = (await org.client.post(f"/v1/people/{person['id']}/deactivate", headers=admin)).json()
    expected.append(("person.deactivated", person["id"], deactivated))
    reactivated = (await org.client.post(f"/v1/people/{person['id']}/reactivate", headers=admin)).json()
    expected.append(("person.reactivated", person["id"], reactivated))

    program = await org.program(status="draft")
    expected.append(("program.created", program["id"], program))
    activated = (
        await org.client.patch(
            f"/v1/programs/{program['id']}", json={"status": "active"}, headers={**admin, "If-Match": '"1"'}
        )
    ).json()
    expected.append(("program.updated", program["id"], activated))

    enrollment = await org.enroll(program, person, "mentor")
    expected.append(("enrollment.created", enrollment["id"], enrollment))
    url = f"/v1/programs/{program['id']}/enrollments/{enrollment['id']}"
    regoaled = (
        await org.client.patch(
            url, json={"goals": ["Mentor two people"]}, headers={**admin, "If-Match": '"1"'}
        )
    ).json()
    expected.append(("enrollment.updated", enrollment["id"], regoaled))
    withdrawn = (await org.client.post(f"{url}/withdraw", headers=admin)).json()
    expected.append(("enrollment.withdrawn", enrollment["id"], withdrawn))

    events = await org.written.events()

    assert [event["type"] for event in events] == [
        f"mentorship.profiles.{kind}.v1" for kind, _, _ in expected
    ]
    for event, (kind, subject, state) in zip(events, expected, strict=True):
        envelope = CloudEvent.model_validate(event)
        assert envelope.source == "/profiles" and envelope.organization == org.id
        assert envelope.subject == subject and envelope.traceparent and envelope.requestid
        envelope.parse_data()  # validates against the event's schema
        entity = kind.split(".")[0]
        assert event["data"][entity] == without_view(state), kind
    versions = {
        entity: [e["data"][entity]["version"] for e in events if e["type"].split(".")[2] == entity]
        for entity in ("person", "program", "enrollment")
    }
    assert versions == {"person": [1, 2, 3, 4], "program": [1, 2], "enrollment": [1, 2, 3]}
    assert events[1]["data"]["changed"] == ["bio", "mentor_capacity"]


async def test_event_states_carry_every_field_of_the_full_view(org: Org) -> None:
    person = await org.person()
    program = await org.program()
    enrollment = await org.enroll(program, person, "mentee")
    assert set(PersonState.model_fields) == set(without_view(person))
    assert set(ProgramState.model_fields) == set(program)
    assert set(EnrollmentState.model_fields) == set(without_view(enrollment))


async def test_a_custom_skill_is_published_too(org: Org) -> None:
    await org.client.post("/v1/skills", json={"slug": "rag", "label": "RAG"}, headers=org.admin)
    (event,) = await org.written.events()
    assert event["type"] == "mentorship.profiles.skill.created.v1"
    assert event["data"]["skill"]["slug"] == "rag" and event["data"]["skill"]["organization"] == org.id


async def test_events_carry_the_callers_trace_into_the_outbox(org: Org) -> None:
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    await org.client.post(
        "/v1/programs",
        json={
            "name": "Traced",
            "objective": "leadership",
            "cohort_start": "2026-01-01",
            "cohort_end": "2026-02-01",
        },
        headers={**org.admin, "traceparent": traceparent, "X-Request-Id": "req-123"},
    )
    (event,) = await org.written.events()
    assert event["traceparent"].split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
    assert event["requestid"] == "req-123"
