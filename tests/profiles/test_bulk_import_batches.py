"""A bulk import writes each batch's new people together (`service.create_people`: one insert, one
PersonCreated and one audit entry each) and, when the database refuses some rows of a batch, lands
the others around them, in file order."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from profiles import service
from profiles.imports.model import Outcome
from profiles.imports.parsing import parse_csv
from profiles.imports.rows import apply_rows
from profiles.schemas import PersonCreate
from shared.auth import Principal, Role
from shared.db import session_factory
from shared.errors import Problem
from tests.conftest import Platform, new_org, running_workers, service_settings
from tests.profiles.conftest import Org
from tests.profiles.test_bulk_import import as_csv, counts, imported, people_by_external_id, person_row


@pytest.fixture
async def worker(platform: Platform) -> AsyncIterator[None]:
    async with running_workers(platform, "profiles"):
        yield


async def created_entries(org: Org) -> dict[str, Any]:
    """The audit log's `created` entries of people of the organization, by person id."""
    async with org.written.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT resource_id, actor_type, actor_id, changes FROM profiles.audit_log"
                " WHERE organization = :org AND resource_type = 'person' AND action = 'created'"
            ),
            {"org": org.id},
        )
        return {row.resource_id: row for row in rows}


async def test_people_created_together_are_audited_and_published_like_people_created_alone(
    org: Org, worker: None
) -> None:
    # A file of one row goes through `create_person`; a larger batch through `create_people`.
    await imported(org, as_csv([person_row("A0")]))
    rows = [
        person_row("A1"),
        person_row("A2", manager_external_id="A1"),
        person_row("A3", manager_external_id="A2"),
    ]
    job = await imported(org, as_csv(rows))

    assert counts(job) == (3, 3, 0, 0, 0)
    people = await people_by_external_id(org)
    entries = await created_entries(org)
    assert set(entries) == {people[name]["id"] for name in ("A0", "A1", "A2", "A3")}
    alone, together = entries[people["A0"]["id"]], entries[people["A1"]["id"]]
    assert (together.actor_type, together.actor_id) == (alone.actor_type, alone.actor_id)
    assert together.changes.keys() == alone.changes.keys()
    assert together.changes["email"] == "changed"  # personal values never enter the trail
    assert entries[people["A2"]["id"]].changes["manager_id"] == {"old": None, "new": people["A1"]["id"]}
    events = [event for event in await org.written.events() if event["subject"] != people["A0"]["id"]]
    assert [event["type"] for event in events] == ["mentorship.profiles.person.created.v1"] * 3
    for event in events:
        person = next(person for person in people.values() if person["id"] == event["subject"])
        state = event["data"]["person"]
        assert {name: person[name] for name in state} == state


async def test_rows_the_database_refuses_fail_alone_and_the_rest_of_the_batch_lands(
    org: Org, worker: None
) -> None:
    taken = (await org.person())["email"]
    rows = [person_row(f"M{n}", manager_external_id="M0" if n else "") for n in range(120)]
    rows[17]["email"] = taken  # another person of the organization has it
    rows[64]["email"] = taken
    rows[65]["manager_external_id"] = "M64"  # a manager who is refused
    rows[101]["email"] = rows[100]["email"]  # the first of the two lands

    job = await imported(org, as_csv(rows))

    assert counts(job) == (120, 116, 0, 0, 4)
    fields = {error["row"]: [item["field"] for item in error["errors"]] for error in job["errors"]}
    assert fields == {19: ["email"], 66: ["email"], 67: ["manager_external_id"], 103: ["email"]}
    people = await people_by_external_id(org)
    landed = {name for name in people if name is not None}
    assert landed == {f"M{n}" for n in range(120)} - {"M17", "M64", "M65", "M101"}
    assert {people[name]["manager_id"] for name in landed - {"M0"}} == {people["M0"]["id"]}
    # One event per person who landed (and the one made by the test), none for a refused row.
    events = await org.written.events()
    assert len(events) == 117 and len({event["subject"] for event in events}) == 117
    assert len(await created_entries(org)) == 117


def _new_person(manager_id: uuid.UUID | None = None, **fields: Any) -> PersonCreate:
    return PersonCreate.model_validate(
        {
            "id": uuid.uuid4(),
            "email": f"{uuid.uuid4().hex[:10]}@example.com",
            "name": "New Person",
            "time_zone": "Europe/Paris",
            "languages": ["en"],
            "manager_id": manager_id,
            **fields,
        }
    )


async def _create_people(org: Org, people: list[PersonCreate]) -> list[dict[str, Any]]:
    caller = Principal(subject=org.admin_subject, organization=org.id, roles=frozenset({Role.ADMIN}))
    async with session_factory(org.written.engine)() as session, session.begin():
        return await service.create_people(session, caller=caller, people=people)


async def test_people_created_together_may_report_to_each_other_but_never_in_a_loop(org: Org) -> None:
    boss = _new_person()
    report = _new_person(manager_id=boss.id)
    created = await _create_people(org, [report, boss])  # in any order
    assert [person["manager_id"] for person in created] == [boss.id, None]
    assert [person["version"] for person in created] == [1, 1]

    first, second = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(Problem) as refused:
        await _create_people(org, [_new_person(second, id=first), _new_person(first, id=second)])
    assert refused.value.errors[0]["type"] == "reporting_cycle"
    with pytest.raises(Problem) as refused:
        await _create_people(org, [_new_person(), _new_person(manager_id=uuid.uuid4())])
    assert refused.value.errors[0]["type"] == "unknown_person"
    existing = await org.person()
    other_org = Org(id=new_org(), client=org.client, auth=org.auth, written=org.written)
    with pytest.raises(Problem) as refused:  # a manager of another organization is nobody here
        await _create_people(other_org, [_new_person(manager_id=uuid.UUID(existing["id"]))])
    assert refused.value.errors[0]["type"] == "unknown_person"
    assert await org.written.count("people") == 3


async def test_people_created_together_have_skills_of_the_taxonomy_or_the_organization(org: Org) -> None:
    response = await org.client.post(
        "/v1/skills", json={"slug": "prompt-craft", "label": "Prompt craft"}, headers=org.admin
    )
    assert response.status_code == 201, response.text
    own = _new_person(skills=[{"skill": "prompt-craft", "level": 3}, {"skill": "python", "level": 2}])
    await _create_people(org, [own, _new_person()])
    with pytest.raises(Problem) as refused:
        await _create_people(org, [_new_person(), _new_person(skills=[{"skill": "telepathy", "level": 5}])])
    assert [error["field"] for error in refused.value.errors] == ["body.skills.0.skill"]
    assert await org.written.count("people") == 2


async def test_the_reporting_line_stays_locked_when_a_batch_is_done_again_in_groups(
    org: Org, platform: Platform
) -> None:
    # A lock taken inside the savepoint of the first attempt would go with its rollback, while the
    # rows done again after it set managers believing it held.
    taken = (await org.person())["email"]
    rows = [person_row("L0"), person_row("L1", manager_external_id="L0"), person_row("L2", email=taken)]
    caller = Principal(subject=org.admin_subject, organization=org.id, roles=frozenset({Role.ADMIN}))
    settings = service_settings("profiles", platform)
    async with session_factory(org.written.engine)() as session, session.begin():
        tally = await apply_rows(
            session,
            caller=caller,
            rows=[row.as_dict() for row in parse_csv(as_csv(rows)).rows],
            settings=settings,
        )
        held = await session.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        )
    assert (tally.counts[Outcome.CREATED], tally.counts[Outcome.FAILED]) == (2, 1)
    assert held == 1
