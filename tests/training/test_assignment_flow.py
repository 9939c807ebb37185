"""Assignments follow enrollments, through real events on real NATS: enrolling assigns the course,
completing modules moves it, leaving closes it, and every step is published with what matching
needs to gate (and nothing private)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentStatus,
    EnrollmentUpdated,
    EnrollmentWithdrawn,
)
from shared.contracts.training import (
    TrainingAssigned,
    TrainingAssignmentClosed,
    TrainingAssignmentUpdated,
    TrainingCompleted,
    TrainingModuleCompleted,
    TrainingOverdue,
)
from shared.events import CloudEvent
from tests.toolkit import eventually
from tests.training.conftest import Org, days_ago

# What an assignment event may carry: ids, numbers, flags, states and times; nothing else.
PROGRESS_FIELDS = {
    "id", "organization", "version", "program_id", "person_id", "role", "enrollment_id", "course_id",
    "status", "modules_done", "modules_total", "required_for_matching", "ready_for_matching", "overdue",
    "assigned_at", "due_at", "completed_at", "closed_reason",
}  # fmt: skip


async def two_module_course(org: Org, *, role: str = "mentor", due_days: int = 14) -> tuple[str, str]:
    await org.program()
    first, second = await org.module(title="Listening"), await org.module(title="Feedback")
    await org.course([first["id"], second["id"]], role=role, due_days=due_days)
    return first["id"], second["id"]


async def test_enrolling_assigns_the_programs_course_for_that_role(org: Org) -> None:
    await two_module_course(org, role="mentor", due_days=10)
    mentor = await org.enroll(role="mentor")
    mentee = await org.enroll(role="mentee")
    assignment = await org.assignment(mentor.person_id)
    assert (assignment["status"], assignment["modules_done"], assignment["modules_total"]) == (
        "assigned",
        0,
        2,
    )
    due = datetime.fromisoformat(assignment["due_at"])
    assert abs(due - (mentor.enrollment.created_at + timedelta(days=10))) < timedelta(seconds=1)
    assert [module["title"] for module in assignment["modules"]] == ["Listening", "Feedback"]

    (event,) = await org.bus.wait_for_events(org.organization, TrainingAssigned, 1)
    assert event.subject == assignment["id"]
    progress = event.data["assignment"]
    assert set(progress) == PROGRESS_FIELDS
    assert progress["program_id"] == str(org.program_id) and progress["person_id"] == str(mentor.person_id)
    assert (progress["role"], progress["modules_done"], progress["modules_total"]) == ("mentor", 0, 2)
    assert (progress["required_for_matching"], progress["ready_for_matching"], progress["status"]) == (
        False,
        True,
        "assigned",
    )
    await org.bus.settled()
    assert (await org.progress(mentee.person_id))["assignments"] == []  # no mentee course


async def test_completing_every_module_completes_the_course_and_publishes_each_step(org: Org) -> None:
    first, second = await two_module_course(org)
    mentor = await org.enroll(role="mentor")
    await org.assignment(mentor.person_id)
    assert (await org.complete(mentor.person_id, first)).status_code == 201
    middle = await org.assignment(mentor.person_id)
    assert (middle["modules_done"], middle["status"]) == (1, "assigned")
    assert (await org.complete(mentor.person_id, second)).status_code == 201
    done = await org.assignment(mentor.person_id)
    assert (done["modules_done"], done["status"]) == (2, "completed") and done["completed_at"]

    steps = await org.bus.wait_for_events(org.organization, TrainingModuleCompleted, 2)
    assert [(e.data["module_id"], e.data["assignment"]["modules_done"]) for e in steps] == [
        (first, 1),
        (second, 2),
    ]
    (completed,) = await org.bus.wait_for_events(org.organization, TrainingCompleted, 1)
    assert completed.data["assignment"]["status"] == "completed"
    assert completed.data["assignment"]["ready_for_matching"] is True
    versions = [
        e.data["assignment"]["version"]
        for e in await org.bus.training_events(org.organization)
        if "assignment" in e.data  # the stream carries training's other events too (e.g. audit)
    ]
    assert versions == sorted(versions)  # each change bumps the version a consumer keeps

    # Completing again changes nothing and publishes nothing.
    assert (await org.complete(mentor.person_id, second)).status_code == 200
    await org.bus.settled()
    assert len(await org.bus.training_events(org.organization, TrainingModuleCompleted)) == 2


async def test_a_module_done_before_counts_for_a_course_assigned_later(org: Org) -> None:
    await org.program()
    module = await org.module()
    mentor = await org.enroll(role="mentor")
    await org.bus.settled()
    assert (await org.complete(mentor.person_id, module["id"])).status_code == 201
    await org.course([module["id"]])
    assignment = await org.assignment(mentor.person_id, status="completed")
    assert assignment["modules_done"] == 1
    await org.bus.wait_for_events(org.organization, TrainingCompleted, 1)


async def test_withdrawing_closes_the_assignment_and_nothing_is_deleted(org: Org) -> None:
    first, _ = await two_module_course(org)
    mentor = await org.enroll(role="mentor")
    await org.assignment(mentor.person_id)
    await org.complete(mentor.person_id, first)
    await org.change_enrollment(mentor, status="withdrawn")
    closed = await org.assignment(mentor.person_id, status="closed")
    assert (closed["closed_reason"], closed["modules_done"]) == ("withdrawn", 1)
    (event,) = await org.bus.wait_for_events(org.organization, TrainingAssignmentClosed, 1)
    assert event.data["assignment"]["closed_reason"] == "withdrawn"
    # The person's progress in the module stays theirs.
    assert closed["modules"][0]["completed_at"] is not None


async def test_a_deactivated_person_is_closed_and_reopened_on_reactivation(org: Org) -> None:
    await two_module_course(org)
    mentor = await org.enroll(role="mentor")
    await org.assignment(mentor.person_id)
    await org.set_active(mentor, active=False)
    closed = await org.assignment(mentor.person_id, status="closed")
    assert closed["closed_reason"] == "person_deactivated"
    await org.set_active(mentor, active=True)
    reopened = await org.assignment(mentor.person_id, status="assigned")
    assert reopened["closed_reason"] is None
    (updated,) = await org.bus.wait_for_events(org.organization, TrainingAssignmentUpdated, 1)
    assert updated.data["changed"] == ["status"]


async def test_redelivered_events_assign_once(org: Org) -> None:
    await two_module_course(org)
    mentor = await org.enroll(role="mentor", publish_person=False)
    await org.assignment(mentor.person_id)
    # The same envelope again, as an at-least-once publisher would (past the duplicate window).
    envelope = CloudEvent.wrap(
        EnrollmentCreated(enrollment=mentor.enrollment), organization=org.organization, subject=None
    )
    await org.bus.publish(EnrollmentCreated(enrollment=mentor.enrollment), organization=org.organization)
    await org.bus.redeliver(envelope)
    await org.bus.redeliver(envelope)
    await org.bus.settled()
    assert len((await org.progress(mentor.person_id))["assignments"]) == 1
    assert len(await org.bus.training_events(org.organization, TrainingAssigned)) == 1


async def test_events_out_of_order_converge_to_the_newest_state(org: Org) -> None:
    await two_module_course(org)
    mentor = await org.enroll(role="mentor", publish_person=False)
    await org.assignment(mentor.person_id)
    # Withdrawn (version 3) arrives before the reactivation it follows (version 2): stays closed.
    reactivated = mentor.enrollment.model_copy(update={"status": EnrollmentStatus.PENDING, "version": 2})
    withdrawn = mentor.enrollment.model_copy(update={"status": EnrollmentStatus.WITHDRAWN, "version": 3})
    await org.bus.publish(EnrollmentWithdrawn(enrollment=withdrawn), organization=org.organization)
    await org.assignment(mentor.person_id, status="closed")
    await org.bus.publish(
        EnrollmentUpdated(enrollment=reactivated, changed=["status"]), organization=org.organization
    )
    await org.bus.settled()
    (assignment,) = (await org.progress(mentor.person_id))["assignments"]
    assert assignment["status"] == "closed"
    assert len(await org.bus.training_events(org.organization, TrainingAssignmentClosed)) == 1


async def test_a_course_set_after_people_enrolled_is_assigned_to_them(org: Org) -> None:
    await org.program()
    early = [await org.enroll(role="mentee", enrolled_at=days_ago(3)) for _ in range(3)]
    await org.bus.settled()
    module = await org.module()
    course = await org.course([module["id"]], role="mentee", due_days=7)
    for enrolled in early:
        assignment = await org.assignment(enrolled.person_id)
        # Due days count from when the course was set up, not from the enrollment long before.
        due = datetime.fromisoformat(assignment["due_at"])
        assert due >= datetime.fromisoformat(course["created_at"]) + timedelta(days=7) - timedelta(seconds=1)
    await org.bus.wait_for_events(org.organization, TrainingAssigned, 3)


async def test_changing_a_course_recounts_open_assignments_and_keeps_completed_ones(org: Org) -> None:
    await org.program()
    first, second = await org.module(title="One"), await org.module(title="Two")
    course = await org.course([first["id"]])
    finished, working = await org.enroll(role="mentor"), await org.enroll(role="mentor")
    await org.assignment(finished.person_id)
    await org.assignment(working.person_id)
    await org.complete(finished.person_id, first["id"])
    await org.assignment(finished.person_id, status="completed")
    changed = await org.client.patch(
        f"/v1/courses/{course['id']}",
        json={"module_ids": [first["id"], second["id"]], "due_days": 30},
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    open_one = await org.assignment(working.person_id, modules_total=2)
    assert open_one["status"] == "assigned"
    (update,) = await org.bus.wait_for_events(org.organization, TrainingAssignmentUpdated, 1)
    assert update.data["changed"] == ["due_at", "modules", "modules_total"]
    completed = (await org.progress(finished.person_id))["assignments"][0]
    assert (completed["status"], completed["modules_total"]) == ("completed", 1)


async def test_a_readiness_gate_publishes_every_assignment_with_its_new_flag(org: Org) -> None:
    await two_module_course(org)
    mentors = [await org.enroll(role="mentor") for _ in range(2)]
    for mentor in mentors:
        await org.assignment(mentor.person_id)
    gates = f"/v1/programs/{org.program_id}/readiness-gates"
    assert (await org.client.get(gates, headers=org.admin)).headers["ETag"] == '"0"'
    changed = await org.client.patch(
        gates, json={"mentors_must_complete": True}, headers={**org.admin, "If-Match": '"0"'}
    )
    assert changed.status_code == 200 and changed.json()["mentors_must_complete"] is True
    updates = await org.bus.wait_for_events(org.organization, TrainingAssignmentUpdated, 2)
    for event in updates:
        assert event.data["changed"] == ["required_for_matching"]
        assert (
            event.data["assignment"]["required_for_matching"],
            event.data["assignment"]["ready_for_matching"],
        ) == (
            True,
            False,
        )
    assignment = await org.assignment(mentors[0].person_id)
    assert assignment["required_for_matching"] is True
    # The same request again changes nothing (and needs the new ETag).
    assert (
        await org.client.patch(
            gates, json={"mentors_must_complete": True}, headers={**org.admin, "If-Match": '"0"'}
        )
    ).status_code == 412


async def backdate_courses(org: Org, days: int) -> None:
    """Make the program's courses look set up `days` ago (their due times count from then)."""
    engine = create_async_engine(org.bus.platform.database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE training.courses SET created_at = now() - make_interval(days => :d)"
                    " WHERE program_id = :p"
                ),
                {"p": org.program_id, "d": days},
            )
    finally:
        await engine.dispose()


async def test_overdue_assignments_are_published_once(org: Org) -> None:
    await org.program()
    module = await org.module()
    await org.course([module["id"]], due_days=7)
    await backdate_courses(org, 60)
    late = await org.enroll(role="mentor", enrolled_at=days_ago(20))
    on_time = await org.enroll(role="mentor")
    assert (await org.assignment(late.person_id))["overdue"] is True
    (event,) = await org.bus.wait_for_events(org.organization, TrainingOverdue, 1)
    assert event.data["assignment"]["person_id"] == str(late.person_id)
    assert event.data["assignment"]["overdue"] is True
    await asyncio.sleep(1.0)  # a few more rounds of the job (every 0.3 s)
    await org.bus.settled()
    assert len(await org.bus.training_events(org.organization, TrainingOverdue)) == 1
    assert (await org.assignment(on_time.person_id))["overdue"] is False

    overdue = await org.client.get(
        f"/v1/programs/{org.program_id}/training-report/overdue", headers=org.admin
    )
    assert [item["person_id"] for item in overdue.json()["items"]] == [str(late.person_id)]


async def test_enrollment_events_of_another_organization_never_reach_this_ones_course(org: Org) -> None:
    await two_module_course(org)
    intruder = Org(bus=org.bus, auth=org.auth, client=org.client)
    # An enrollment that names this organization's program but belongs to another organization.
    stray = await intruder.enroll(role="mentor", program_id=org.program_id)
    await org.bus.settled()
    assert await org.bus.training_events(intruder.organization) == []

    async def none_assigned() -> bool:
        response = await org.client.get(f"/v1/people/{stray.person_id}/training", headers=intruder.admin)
        return response.status_code == 200 and response.json()["assignments"] == []

    assert await eventually(none_assigned)
