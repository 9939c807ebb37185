"""Outcomes through the API: histories built from real events, reports recomputed by the worker,
the dashboard and exports, the known effect of a synthetic organization recovered, and access."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import numpy as np
import pytest
from sqlalchemy import func, select

from feedback.models import PERSON_VERSIONS
from feedback.outcomes.careers import day_number
from feedback.outcomes.seeding import copy_profile_versions
from feedback.outcomes.snapshots import take_snapshot
from feedback.outcomes.synthetic import Rates, expected_share, synthetic_organization
from shared.clock import utcnow
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentState,
    PersonCreated,
    PersonDeactivated,
    PersonState,
    PersonUpdated,
    ProgramCreated,
    ProgramState,
    SkillLevel,
)
from shared.contracts.training import (
    AssignmentProgress,
    AssignmentStatus,
    TrainingAssigned,
    TrainingCompleted,
)
from shared.contracts.workspace import GoalCompleted, GoalCreated, GoalState, GoalStatus
from shared.db import create_engine, session_factory, transaction
from tests.conftest import AuthHeaders, Platform, new_org
from tests.feedback.conftest import Bus, days_ago
from tests.toolkit import eventually_value

pytestmark = pytest.mark.usefixtures("feedback_worker")


@pytest.fixture
async def database(platform: Platform) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(
        platform.database_url.replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        yield connection
    finally:
        await connection.close()


async def computed_dashboard(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    """Ask the worker for a fresh report and wait for it."""
    asked = await client.post("/v1/outcomes/recompute", headers=admin)
    assert asked.status_code == 202, asked.text
    before = asked.json()["computed_at"]
    response = await eventually_value(
        lambda: client.get("/v1/outcomes/dashboard", headers=admin),
        lambda r: r.status_code == 200 and r.json()["computed_at"] not in (None, before),
        what="the recomputed dashboard",
    )
    document: dict[str, Any] = response.json()
    return document


def person_state(organization: str, person_id: uuid.UUID, version: int, **fields: Any) -> PersonState:
    values: dict[str, Any] = {
        "id": person_id,
        "organization": organization,
        "version": version,
        "email": f"{person_id.hex[:8]}@example.org",
        "name": "Someone",
        "department": "Research",
        "seniority": "junior",
        "time_zone": "Europe/Paris",
        "languages": ["en"],
        "skills": [SkillLevel(skill="python", level=2)],
        "mentor_capacity": 0,
        "active": True,
        "created_at": days_ago(800),
        "updated_at": days_ago(800 - version),
    }
    values.update(fields)
    return PersonState(**values)


async def test_events_build_histories_and_the_dashboard_says_how_each_figure_was_computed(
    feedback_client: httpx.AsyncClient, bus: Bus, auth: AuthHeaders, platform: Platform
) -> None:
    organization = new_org()
    admin = auth(organization, str(uuid.uuid4()), "admin")
    program_id = uuid.uuid4()
    start = (utcnow() - timedelta(days=400)).date()
    await bus.publish(
        ProgramCreated(
            program=ProgramState(
                id=program_id, organization=organization, version=1, name="Onboarding 2025",
                objective="onboarding", cohort_start=start, cohort_end=start + timedelta(days=200),
                matching_mode="admin_approved", score_weights={}, session_length_minutes=60,
                session_cadence="weekly", checkin_cadence_days=30, exclude_same_department=False,
                status="active", created_at=days_ago(410), updated_at=days_ago(410),
            )
        ),
        organization=organization,
    )  # fmt: skip
    mentees = [uuid.uuid4() for _ in range(6)]
    for person in mentees:
        await bus.publish(
            PersonCreated(person=person_state(organization, person, 1)), organization=organization
        )
        enrollment = EnrollmentState(
            id=uuid.uuid4(), organization=organization, version=1, program_id=program_id, person_id=person,
            role="mentee", status="active", created_at=days_ago(405), updated_at=days_ago(405),
        )  # fmt: skip
        await bus.publish(EnrollmentCreated(enrollment=enrollment), organization=organization)
    promoted, leaver = mentees[0], mentees[1]
    # Out of order and repeated: version 3 (promoted, moved, a skill up) before version 2.
    version_3 = person_state(
        organization, promoted, 3, seniority="mid", department="Platform",
        skills=[SkillLevel(skill="python", level=3)], updated_at=days_ago(200),
    )  # fmt: skip
    await bus.publish(PersonUpdated(person=version_3, changed=["seniority"]), organization=organization)
    version_2 = person_state(organization, promoted, 2, title="ML Engineer", updated_at=days_ago(300))
    envelope = await bus.publish(
        PersonUpdated(person=version_2, changed=["title"]), organization=organization
    )
    await bus.redeliver(envelope)
    departed = person_state(organization, leaver, 2, active=False, updated_at=days_ago(100))
    await bus.publish(PersonDeactivated(person=departed), organization=organization)
    match_id = uuid.uuid4()
    for goal_number, done in enumerate((True, True, False)):
        goal = GoalState(
            id=uuid.uuid4(), organization=organization, version=1,
            match_id=match_id, program_id=program_id, mentee_id=mentees[goal_number], mentor_id=uuid.uuid4(),
            status="on_track", guidance_kind="technical", created_at=days_ago(300), updated_at=days_ago(300),
        )  # fmt: skip
        await bus.publish(GoalCreated(goal=goal), organization=organization)
        if done:
            finished = goal.model_copy(
                update={"version": 2, "status": GoalStatus.DONE, "completed_at": days_ago(250)}
            )
            await bus.publish(GoalCompleted(goal=finished), organization=organization)
    for person in mentees[:4]:
        assignment = AssignmentProgress(
            id=uuid.uuid4(), organization=organization, version=1, program_id=program_id, person_id=person,
            role="mentee", enrollment_id=uuid.uuid4(), course_id=uuid.uuid4(), status="assigned",
            modules_done=0, modules_total=3, required_for_matching=False, ready_for_matching=True,
            overdue=False, assigned_at=days_ago(390), due_at=days_ago(360),
        )  # fmt: skip
        await bus.publish(TrainingAssigned(assignment=assignment), organization=organization)
        if person != mentees[3]:
            completed = assignment.model_copy(
                update={
                    "version": 2,
                    "status": AssignmentStatus.COMPLETED,
                    "modules_done": 3,
                    "completed_at": days_ago(380),
                }
            )
            await bus.publish(TrainingCompleted(assignment=completed), organization=organization)
    await bus.settled()

    engine = create_engine(platform.database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            versions = (
                await session.execute(
                    select(
                        PERSON_VERSIONS.c.version, PERSON_VERSIONS.c.seniority, PERSON_VERSIONS.c.skill_rose
                    )
                    .where(PERSON_VERSIONS.c.person_id == promoted)
                    .order_by(PERSON_VERSIONS.c.version)
                )
            ).all()
            total = await session.scalar(
                select(func.count()).where(PERSON_VERSIONS.c.organization == organization)
            )
    finally:
        await engine.dispose()
    # Version 3 (python 2 -> 3) came before version 2: its skill rise is still told from version 2.
    assert [tuple(row) for row in versions] == [(1, "junior", False), (2, "junior", False), (3, "mid", True)]
    assert total == len(mentees) + 3  # each version once, whatever the order and repeats

    dashboard = await computed_dashboard(feedback_client, admin)
    totals = dashboard["totals"]
    assert (totals["programs"], totals["active_programs"], totals["participants"]) == (1, 1, 6)
    assert (totals["goals_set"], totals["goals_done"]) == (3, 2)
    assert (totals["training_assigned"], totals["training_completed"]) == (4, 3)
    (program,) = dashboard["programs"]
    assert program["objective"] == "onboarding"
    assert [f["measure"] for f in program["headlines"]] == [
        "retention_90d",
        "retention_365d",
        "time_to_first_session",
    ]
    # Six people: never a number, always why not.
    for figure in dashboard["outcomes"] + program["headlines"]:
        assert figure["value"] is None, figure
        assert figure["status"] in ("not_enough_data", "not_available")
        assert figure["note"] and figure["how"]["definition"] and figure["how"]["method"]
    by_measure = {figure["measure"]: figure for figure in dashboard["outcomes"]}
    assert by_measure["time_to_first_session"]["note"] == "not available: no events from scheduling"
    assert by_measure["goals_completed"]["how"]["groups"]["participants"] == 3
    trend = {row["month"]: row for row in dashboard["trend"]}
    assert trend[departed.updated_at.date().replace(day=1).isoformat()]["participants_left"] == 1


async def seed_synthetic_organization(
    database: asyncpg.Connection, *, organization: str, rates: Rates, seed: int
) -> tuple[uuid.UUID, float]:
    """A synthetic organization's people, and one onboarding program of its mentees, written as the
    handlers would have; returns the program and the true effect on retention at 365 days."""
    today = day_number(utcnow())
    org = synthetic_organization(people=2500, participants=450, as_of_day=today, rates=rates, seed=seed)
    await copy_profile_versions(database, organization=organization, versions=org.versions)
    program_id = uuid.uuid4()
    cohort_start = date.fromordinal(date(1970, 1, 1).toordinal() + today - 760)
    await database.execute(
        "INSERT INTO feedback.programs (id, organization, name, session_cadence, checkin_cadence_days, "
        "cohort_start, cohort_end, status, version, objective) "
        "VALUES ($1, $2, 'Onboarding', 'weekly', 30, $3, $4, 'active', 1, 'onboarding')",
        program_id, organization, cohort_start, cohort_start + timedelta(days=400),
    )  # fmt: skip
    records = [
        (
            uuid.uuid4(), organization, program_id, person, "mentee", "active", None,
            datetime.combine(date.fromordinal(date(1970, 1, 1).toordinal() + start), time(9), tzinfo=UTC),
            None, 1,
        )
        for person, start in org.participants
    ]  # fmt: skip
    await database.copy_records_to_table("enrollments", schema_name="feedback", records=records)
    department_of = dict(zip(org.people, org.departments, strict=True))
    truth = float(
        np.mean(
            [
                expected_share(rates.leave_rate(department_of[person]), 365)
                - expected_share(rates.leave_rate(department_of[person]) * rates.leave_effect, 365)
                for person, _ in org.participants
            ]
        )
    )
    return program_id, truth


async def test_a_synthetic_organization_s_known_effect_is_recovered_and_exported(
    feedback_client: httpx.AsyncClient, auth: AuthHeaders, platform: Platform, database: asyncpg.Connection
) -> None:
    organization = new_org()
    admin = auth(organization, str(uuid.uuid4()), "admin")
    rates = Rates(move=0.0, leave_effect=0.5)  # participants leave at half the base rate
    program_id, truth = await seed_synthetic_organization(
        database, organization=organization, rates=rates, seed=21
    )

    dashboard = await computed_dashboard(feedback_client, admin)
    (program,) = dashboard["programs"]
    retention = next(f for f in program["headlines"] if f["measure"] == "retention_365d")
    assert retention["status"] == "ok", retention
    assert retention["ci_low"] <= truth <= retention["ci_high"]
    assert retention["ci_low"] > 0
    groups = retention["how"]["groups"]
    assert groups["participants"] >= 300 and groups["comparison"] >= 1000
    assert retention["how"]["period"]["start"] and "Newcombe" in retention["how"]["method"]
    organization_retention = next(f for f in dashboard["outcomes"] if f["measure"] == "retention_365d")
    assert organization_retention["ci_low"] <= truth <= organization_retention["ci_high"]

    detail = await feedback_client.get(f"/v1/outcomes/programs/{program_id}", headers=admin)
    assert detail.status_code == 200
    assert {f["measure"] for f in detail.json()["outcomes"]} >= {"retention_365d", "promotion_365d"}
    rows = (await feedback_client.get("/v1/outcomes/tables/outcomes", headers=admin)).json()["rows"]
    exported = await feedback_client.get("/v1/outcomes/tables/outcomes.csv", headers=admin)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(parsed) == len(rows)
    documented = (await feedback_client.get("/v1/outcomes/tables", headers=admin)).json()["tables"]
    outcome_columns = next(t["columns"] for t in documented if t["name"] == "outcomes")
    assert list(parsed[0]) == [column["name"] for column in outcome_columns]
    chart = await feedback_client.get("/v1/outcomes/charts/retention_365d.svg", headers=admin)
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert "<script" not in chart.text and "Retention at 365 days" in chart.text

    # The daily snapshot, as the worker's job takes it, loaded by an integration.
    engine = create_engine(platform.database_url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            today = utcnow().date()
            assert await take_snapshot(session, organization=organization, day=today, now=utcnow()) == 6
            assert await take_snapshot(session, organization=organization, day=today, now=utcnow()) == 0
    finally:
        await engine.dispose()
    integration = auth(organization, "hr-bi", "integration")
    index = (await feedback_client.get("/v1/outcomes/snapshots", headers=integration)).json()
    assert index["snapshots"][0]["date"] == today.isoformat()
    assert {t["table"] for t in index["snapshots"][0]["tables"]} == {t["name"] for t in documented}
    snapshot = await feedback_client.get(
        f"/v1/outcomes/snapshots/{today.isoformat()}/programs.csv", headers=integration
    )
    assert snapshot.status_code == 200 and snapshot.text.startswith("program_id,program_name,objective")
    assert str(program_id) in snapshot.text

    # Access: members may not; another organization sees nothing of this one.
    mentee = auth(organization, str(uuid.uuid4()), "mentee")
    for path in (
        "/v1/outcomes/dashboard",
        f"/v1/outcomes/programs/{program_id}",
        "/v1/outcomes/tables/programs.csv",
    ):
        assert (await feedback_client.get(path, headers=mentee)).status_code == 403
    assert (await feedback_client.get("/v1/outcomes/snapshots", headers=mentee)).status_code == 403
    stranger = auth(new_org(), str(uuid.uuid4()), "admin")
    assert (
        await feedback_client.get(f"/v1/outcomes/programs/{program_id}", headers=stranger)
    ).status_code == 404
    assert (
        await feedback_client.get(
            f"/v1/outcomes/snapshots/{today.isoformat()}/programs.csv", headers=stranger
        )
    ).status_code == 404
    theirs = await feedback_client.get("/v1/outcomes/dashboard", headers=stranger)
    assert (
        theirs.status_code == 200 and theirs.json()["computed_at"] is None and theirs.json()["programs"] == []
    )
    assert (
        str(program_id)
        not in (await feedback_client.get("/v1/outcomes/tables/programs.csv", headers=stranger)).text
    )


async def test_group_settings_need_if_match_and_never_go_below_the_minimum(
    feedback_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    admin = auth(new_org(), str(uuid.uuid4()), "admin")
    defaults = await feedback_client.get("/v1/outcomes/settings", headers=admin)
    assert defaults.status_code == 200 and defaults.headers["etag"] == '"0"'
    assert defaults.json()["min_group_size"] == 5
    body = {"group_attributes": ["department", "time_zone_region"], "min_group_size": 10}
    first = await feedback_client.put("/v1/outcomes/settings", headers=admin, json=body)
    assert first.status_code == 200 and first.headers["etag"] == '"1"'
    assert (await feedback_client.put("/v1/outcomes/settings", headers=admin, json=body)).status_code == 428
    stale = await feedback_client.put(
        "/v1/outcomes/settings", headers={**admin, "If-Match": '"7"'}, json=body
    )
    assert stale.status_code == 412
    too_small = await feedback_client.put(
        "/v1/outcomes/settings", headers={**admin, "If-Match": '"1"'}, json={**body, "min_group_size": 3}
    )
    assert too_small.status_code == 422
    unknown = await feedback_client.put(
        "/v1/outcomes/settings",
        headers={**admin, "If-Match": '"1"'},
        json={**body, "group_attributes": ["salary"]},
    )
    assert unknown.status_code == 422
    current = (await feedback_client.get("/v1/outcomes/settings", headers=admin)).json()
    assert current == {**body, "version": 1}
