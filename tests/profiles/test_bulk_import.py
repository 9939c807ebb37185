"""Bulk import of people from HR exports: tasks the profiles worker carries out (on the shared job
runner), batch by batch, through the same use cases (and events) as the API."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text, update

from profiles.imports.job import IMPORT_PEOPLE, carry_out
from profiles.models import messaging
from shared.jobs import Again, JobContext
from shared.runtime import Runtime
from tests.conftest import Platform, running_workers, service_settings
from tests.profiles.conftest import Org, assert_problem
from tests.toolkit import eventually_value

HEADER = [
    "external_id", "email", "name", "title", "department", "manager_external_id", "seniority",
    "time_zone", "languages", "skills", "mentor_capacity", "active",
]  # fmt: skip


def person_row(external_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "external_id": external_id,
        "email": f"{external_id.lower()}.{uuid.uuid4().hex[:6]}@example.com",
        "name": f"Person {external_id}",
        "title": "ML Engineer",
        "department": "Research",
        "manager_external_id": "",
        "seniority": "mid",
        "time_zone": "Europe/Berlin",
        "languages": "en;de",
        "skills": "python:4;pytorch:3",
        "mentor_capacity": "2",
        "active": "true",
    }
    row.update(values)
    return row


def as_csv(rows: list[dict[str, Any]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
async def worker(platform: Platform) -> AsyncIterator[None]:
    async with running_workers(platform, "profiles"):
        yield


async def start(
    org: Org, content: bytes, content_type: str = "text/csv", *, dry_run: bool = False, **headers: str
) -> dict[str, Any]:
    response = await org.client.post(
        f"/v1/imports/people?dry_run={str(dry_run).lower()}",
        content=content,
        headers={**org.admin, "Content-Type": content_type, **headers},
    )
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v1/imports/{response.json()['id']}"
    return dict(response.json())


async def finished(
    org: Org, job: dict[str, Any], *, seen: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Poll the job until it is done (every state seen is appended to `seen`)."""

    async def current() -> dict[str, Any]:
        state = dict((await org.client.get(f"/v1/imports/{job['id']}", headers=org.admin)).json())
        if seen is not None:
            seen.append(state)
        return state

    return await eventually_value(
        current, lambda state: state["status"] in ("succeeded", "failed"), timeout=300, what="the import"
    )


async def imported(
    org: Org, content: bytes, content_type: str = "text/csv", **options: Any
) -> dict[str, Any]:
    return await finished(org, await start(org, content, content_type, **options))


async def people_by_external_id(org: Org) -> dict[str, dict[str, Any]]:
    response = await org.client.get("/v1/people?limit=200", headers=org.admin)
    return {person["external_id"]: person for person in response.json()["items"]}


def counts(job: dict[str, Any]) -> tuple[int, int, int, int, int]:
    return job["processed"], job["created"], job["updated"], job["skipped"], job["failed"]


async def test_a_csv_export_creates_people_with_their_managers_and_events(org: Org, worker: None) -> None:
    # The manager of E1 and E2 comes later in the file.
    rows = [
        person_row("E1", manager_external_id="E3"),
        person_row("E2", manager_external_id="E3"),
        person_row("E3"),
    ]

    job = await imported(org, as_csv(rows))

    assert job["status"] == "succeeded" and job["format"] == "csv" and not job["dry_run"]
    assert counts(job) == (3, 3, 0, 0, 0) and job["errors"] == []
    people = await people_by_external_id(org)
    assert people["E1"]["manager_id"] == people["E3"]["id"] == people["E2"]["manager_id"]
    assert people["E1"]["skills"] == [{"skill": "python", "level": 4}, {"skill": "pytorch", "level": 3}]
    assert people["E1"]["languages"] == ["en", "de"] and people["E1"]["time_zone"] == "Europe/Berlin"
    events = await org.written.events()
    assert [event["type"] for event in events] == ["mentorship.profiles.person.created.v1"] * 3
    assert {event["subject"] for event in events} == {person["id"] for person in people.values()}


async def test_a_json_export_is_imported_the_same_way(org: Org, worker: None) -> None:
    rows = [
        {"external_id": "J1", "email": "j1@example.com", "name": "Jo", "languages": ["fr"], "active": False,
         "skills": [{"skill": "nlp", "level": 5}], "mentor_capacity": 4, "manager_external_id": "J2"},
        {"external_id": "J2", "email": "j2@example.com", "name": "Jan", "time_zone": "Asia/Tokyo"},
    ]  # fmt: skip

    job = await imported(org, orjson.dumps(rows), "application/json")

    assert job["format"] == "json" and counts(job) == (2, 2, 0, 0, 0)
    people = await people_by_external_id(org)
    assert people["J1"]["active"] is False and people["J1"]["mentor_capacity"] == 4
    assert people["J1"]["manager_id"] == people["J2"]["id"]
    assert people["J2"]["time_zone"] == "Asia/Tokyo" and people["J2"]["languages"] == ["en"]  # defaults
    assert people["J1"]["time_zone"] == "UTC"
    types = [event["type"].split(".")[2:4] for event in await org.written.events()]
    assert types.count(["person", "created"]) == 2 and types.count(["person", "deactivated"]) == 1


async def test_a_dry_run_reports_what_would_happen_and_writes_nothing(org: Org, worker: None) -> None:
    await imported(org, as_csv([person_row("D1")]))
    before = await org.written.snapshot()
    rows = [
        person_row("D1", title="Staff Engineer"),
        person_row("D2", manager_external_id="D3"),
        person_row("D3"),
        person_row("D4", email="not-an-email"),
    ]

    job = await imported(org, as_csv(rows), dry_run=True)

    assert job["dry_run"] and job["status"] == "succeeded"
    assert counts(job) == (4, 2, 1, 0, 1)
    assert job["errors"] == [
        {"row": 5, "external_id": "D4", "errors": [
            {"field": "email", "message": "Value error, not a valid email address", "type": "value_error"},
        ]},
    ]  # fmt: skip
    assert await org.written.snapshot() == before
    import_jobs = await org.written.count("import_jobs")
    assert import_jobs == 2  # the jobs themselves are kept, as a record


async def test_bad_rows_are_reported_by_row_number_while_the_good_rows_land(org: Org, worker: None) -> None:
    taken = (await org.person())["email"]
    rows = [
        person_row("G1"),
        person_row("B1", email="nope", time_zone="Mars/Olympus"),  # two bad fields
        person_row("B2", skills="python:4;telepathy:5"),  # not in the taxonomy (the service says)
        person_row("B3", email=taken),  # another person has this email
        person_row("B4", mentor_capacity="lots", active="perhaps"),
        person_row("B5", manager_external_id="NOBODY"),
        person_row("G2", manager_external_id="G1"),
    ]

    job = await imported(org, as_csv(rows))

    assert counts(job) == (7, 2, 0, 0, 5)
    fields = {error["row"]: sorted(item["field"] for item in error["errors"]) for error in job["errors"]}
    assert fields == {
        3: ["email", "time_zone"],
        4: ["skills"],
        5: ["email"],
        6: ["active", "mentor_capacity"],
        7: ["manager_external_id"],
    }
    assert [error["external_id"] for error in job["errors"]] == ["B1", "B2", "B3", "B4", "B5"]
    people = await people_by_external_id(org)
    assert set(people) == {None, "G1", "G2"}  # the person made by the test, and the good rows
    assert people["G2"]["manager_id"] == people["G1"]["id"]
    # No half-writes: one event per person that landed, none for a failed row.
    assert len(await org.written.events()) == 3


async def test_importing_the_same_file_again_changes_nothing(org: Org, worker: None) -> None:
    rows = [person_row(f"R{n}", manager_external_id="R0" if n else "") for n in range(4)]
    first = await imported(org, as_csv(rows))
    assert counts(first) == (4, 4, 0, 0, 0)
    events = len(await org.written.events())

    again = await imported(org, as_csv(rows))

    assert counts(again) == (4, 0, 0, 4, 0)
    assert len(await org.written.events()) == events
    rows[2]["title"] = "Principal Engineer"
    rows[3]["active"] = "false"  # a leaver
    changed = await imported(org, as_csv(rows))
    assert counts(changed) == (4, 0, 2, 2, 0)
    types = [event["type"] for event in (await org.written.events())[events:]]
    assert types == ["mentorship.profiles.person.updated.v1", "mentorship.profiles.person.deactivated.v1"]


async def test_columns_left_out_leave_fields_alone_and_empty_cells_clear_them(org: Org, worker: None) -> None:
    await imported(
        org, as_csv([person_row("C1", manager_external_id=""), person_row("C2", manager_external_id="C1")])
    )
    header = ["external_id", "title", "manager_external_id"]
    job = await imported(org, as_csv([{"external_id": "C2", "title": "", "manager_external_id": ""}], header))
    assert counts(job) == (1, 0, 1, 0, 0)
    person = (await people_by_external_id(org))["C2"]
    assert person["title"] is None and person["manager_id"] is None
    assert person["department"] == "Research" and person["time_zone"] == "Europe/Berlin"


async def test_a_reporting_cycle_in_the_file_fails_its_rows_only(org: Org, worker: None) -> None:
    rows = [
        person_row("L1", manager_external_id="L2"),
        person_row("L2", manager_external_id="L1"),
        person_row("L3"),
    ]
    job = await imported(org, as_csv(rows))
    assert counts(job) == (3, 1, 0, 0, 2)
    assert {error["errors"][0]["type"] for error in job["errors"]} == {"reporting_cycle"}


async def test_a_large_file_runs_as_a_job_whose_progress_shows(org: Org, worker: None) -> None:
    total = 5000
    # Teams of ten: the first of each team manages the others, who come before them in the file.
    rows = [
        person_row(f"P{n}", manager_external_id=f"P{n // 10 * 10 + 9}" if n % 10 != 9 else "")
        for n in range(total)
    ]
    seen: list[dict[str, Any]] = []

    job = await finished(org, await start(org, as_csv(rows)), seen=seen)

    assert job["status"] == "succeeded"
    assert counts(job) == (total, total, 0, 0, 0)
    in_progress = [state["processed"] for state in seen if state["status"] == "running"]
    assert any(0 < processed < total for processed in in_progress), in_progress
    assert in_progress == sorted(in_progress)
    assert await org.written.count("people") == total
    assert len(await org.written.events()) == total


async def test_another_organization_sees_neither_the_job_nor_the_people(org: Org, worker: None) -> None:
    job = await imported(org, as_csv([person_row("O1")]))
    other = org.auth("org-elsewhere", str(uuid.uuid4()), "admin")
    assert_problem(await org.client.get(f"/v1/imports/{job['id']}", headers=other), 404)
    listed = (await org.client.get("/v1/people?external_id=O1", headers=other)).json()
    assert listed["items"] == []


async def test_only_admins_and_the_hr_integration_import(org: Org) -> None:
    mentor = org.auth(org.id, str(uuid.uuid4()), "mentor")
    response = await org.client.post(
        "/v1/imports/people",
        content=as_csv([person_row("X1")]),
        headers={**mentor, "Content-Type": "text/csv"},
    )
    assert_problem(response, 403)
    integration = org.auth(org.id, "workday", "integration")
    response = await org.client.post(
        "/v1/imports/people",
        content=as_csv([person_row("X1")]),
        headers={**integration, "Content-Type": "text/csv"},
    )
    assert response.status_code == 201
    assert_problem(await org.client.get(f"/v1/imports/{response.json()['id']}", headers=mentor), 403)


async def test_an_unreadable_upload_is_refused_whole(org: Org) -> None:
    before = await org.written.snapshot()
    cases = [
        (b"email,name\na@x.co,Ada\n", "text/csv", 422),
        (b'{"external_id": "E1"}', "application/json", 422),
        (b"\x00\x01", "application/pdf", 415),
    ]
    for content, content_type, status in cases:
        response = await org.client.post(
            "/v1/imports/people", content=content, headers={**org.admin, "Content-Type": content_type}
        )
        assert_problem(response, status)
    assert await org.written.snapshot() == before
    assert await org.written.count("import_jobs") == 0


async def test_a_browser_upload_and_a_retried_request_work_once(org: Org, worker: None) -> None:
    form = httpx.Request("POST", "/", files={"file": ("people.csv", as_csv([person_row("U1")]), "text/csv")})
    headers = {**org.admin, "Content-Type": form.headers["Content-Type"], "Idempotency-Key": "upload-1"}
    body = form.read()

    response = await org.client.post("/v1/imports/people", content=body, headers=headers)
    retried = await org.client.post("/v1/imports/people", content=body, headers=headers)

    assert response.status_code == 201, response.text
    assert retried.status_code == 201 and retried.headers.get("Idempotent-Replayed") == "true"
    assert retried.json()["id"] == response.json()["id"]
    job = await finished(org, response.json())
    assert counts(job) == (1, 1, 0, 0, 0) and job["format"] == "csv"
    assert await org.written.count("import_jobs") == 1


async def test_a_job_left_by_a_dead_worker_is_taken_up_by_another(org: Org, platform: Platform) -> None:
    job = await start(org, as_csv([person_row("W1"), person_row("W2")]))
    # A worker claimed its task and died before committing anything: its lease ran out.
    tasks = messaging.jobs
    async with org.written.engine.begin() as connection:
        await connection.execute(
            update(tasks)
            .where(tasks.c.name == IMPORT_PEOPLE, tasks.c.key == job["id"])
            .values(state="running", attempts=1, lease_until=text("now() - interval '1 second'"))
        )
    async with running_workers(platform, "profiles"):
        done = await finished(org, job)
    assert done["status"] == "succeeded" and counts(done) == (2, 2, 0, 0, 0)


async def test_a_worker_stopped_mid_import_leaves_the_rest_to_the_next_one(
    org: Org, platform: Platform
) -> None:
    job = await start(org, as_csv([person_row(f"K{n}") for n in range(30)]))
    runtime = Runtime.create(service_settings("profiles", platform, import_batch_size=10))
    stopping = asyncio.Event()
    stopping.set()  # the worker is told to stop while it works on the first batch
    context = JobContext(
        id=uuid.uuid4(), name=IMPORT_PEOPLE, key=job["id"], payload={"import_id": job["id"]}, attempt=1,
        stop=stopping,
    )  # fmt: skip
    try:
        assert await carry_out(runtime, context) == Again()
    finally:
        await runtime.close()
    halfway = (await org.client.get(f"/v1/imports/{job['id']}", headers=org.admin)).json()
    assert halfway["status"] == "running" and counts(halfway) == (10, 10, 0, 0, 0)
    assert await org.written.count("people") == 10

    async with running_workers(platform, "profiles", import_batch_size=10):
        done = await finished(org, job)

    # The next worker carried on after the committed batch: nobody twice, nobody left out.
    assert done["status"] == "succeeded" and counts(done) == (30, 30, 0, 0, 0)
    assert await org.written.count("people") == 30
    assert len(await org.written.events()) == 30


async def test_two_workers_carry_out_each_job_once(org: Org, platform: Platform) -> None:
    jobs = [await start(org, as_csv([person_row(f"T{job}-{n}") for n in range(30)])) for job in range(3)]
    async with (
        running_workers(platform, "profiles", import_batch_size=10),
        running_workers(platform, "profiles", import_batch_size=10),
    ):
        done = [await finished(org, job) for job in jobs]
    assert [counts(job) for job in done] == [(30, 30, 0, 0, 0)] * 3
    assert await org.written.count("people") == 90
    assert len(await org.written.events()) == 90
