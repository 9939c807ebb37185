"""Readiness gates (training) in matching: the read model of gates and course progress, and the hard
filter it feeds. A person enrolled in a gated role is left out of suggestions and rounds until
their course is completed, with the reason shown; a gate off, or a completed course, lets them in."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from matching.models import CourseAssignment, ReadinessGate
from matching.readiness import CourseProgress, Gates, held_back_by, hold_back_reason
from shared.contracts.profiles import EnrollmentCreated, EnrollmentState, PersonCreated, ProgramCreated
from shared.contracts.training import (
    AssignmentProgress,
    ReadinessGates,
    ReadinessGatesUpdated,
    TrainingAssigned,
    TrainingAssignmentClosed,
    TrainingAssignmentUpdated,
    TrainingCompleted,
    TrainingModuleCompleted,
)
from shared.events import Event
from tests.conftest import AuthHeaders, new_org
from tests.matching.factories import NOW, ReadModel, enrollment, person, program

# -- the reason, pure -----------------------------------------------------------------------------

MENTORS_GATED = Gates(mentors_must_complete=True)


def progress(status: str = "assigned", done: int = 2, total: int = 4, **fields: Any) -> CourseProgress:
    values: dict[str, Any] = {
        "status": status,
        "modules_done": done,
        "modules_total": total,
        "required_for_matching": True,
        "overdue": False,
        "assigned_at": NOW,
        **fields,
    }
    return CourseProgress(**values)


def test_a_gated_mentor_part_way_through_the_course_is_held_back_with_modules_done() -> None:
    reason = hold_back_reason("mentor", gates=MENTORS_GATED, progress=progress())
    assert reason == "not matched: mentor course 2 of 4 modules done"


def test_a_gated_person_without_an_assignment_yet_is_held_back() -> None:
    # Between enrolling and training assigning the course: not ready, never "ready by default".
    assert hold_back_reason("mentor", gates=MENTORS_GATED, progress=None) == (
        "not matched: mentor course not assigned yet"
    )


def test_an_overdue_course_says_so() -> None:
    reason = hold_back_reason("mentor", gates=MENTORS_GATED, progress=progress(done=0, overdue=True))
    assert reason == "not matched: mentor course 0 of 4 modules done, overdue"


def test_a_completed_course_or_an_ungated_role_holds_nobody_back() -> None:
    assert hold_back_reason("mentor", gates=MENTORS_GATED, progress=progress("completed", 4)) is None
    assert hold_back_reason("mentee", gates=MENTORS_GATED, progress=None) is None
    assert hold_back_reason("mentor", gates=Gates(), progress=progress()) is None


def test_a_closed_assignment_holds_back_only_while_the_program_still_requires_the_course() -> None:
    closed = progress("closed", 1, 4)
    assert hold_back_reason("mentor", gates=MENTORS_GATED, progress=closed) == (
        "not matched: mentor course closed unfinished (1 of 4 modules done)"
    )
    # The gate was lifted after the assignment closed (training does not republish closed ones).
    assert hold_back_reason("mentor", gates=Gates(), progress=closed) is None


def test_without_gates_known_the_assignments_own_flag_decides() -> None:
    assert hold_back_reason("mentee", gates=None, progress=progress(required_for_matching=True)) == (
        "not matched: mentee course 2 of 4 modules done"
    )
    assert hold_back_reason("mentee", gates=None, progress=progress(required_for_matching=False)) is None
    assert hold_back_reason("mentee", gates=None, progress=None) is None


def test_an_enrollment_with_a_completed_course_among_others_is_ready() -> None:
    mentor = uuid.uuid4()
    older = progress("closed", 0, 4, assigned_at=NOW - dt.timedelta(days=30))
    held = held_back_by(
        [(mentor, "mentor", older), (mentor, "mentor", progress("completed", 4))], gates=MENTORS_GATED
    )
    assert held.mentors == {}
    held = held_back_by([(mentor, "mentor", older), (mentor, "mentor", progress())], gates=MENTORS_GATED)
    assert held.mentors == {mentor: "not matched: mentor course 2 of 4 modules done"}


# -- the read model and the filter, through the handlers and the API ------------------------------


def assignment_state(
    enrolled: EnrollmentState,
    *,
    assignment_id: uuid.UUID,
    version: int,
    status: str = "assigned",
    done: int = 0,
    total: int = 4,
    required: bool = True,
    overdue: bool = False,
) -> AssignmentProgress:
    return AssignmentProgress(
        id=assignment_id,
        organization=enrolled.organization,
        version=version,
        program_id=enrolled.program_id,
        person_id=enrolled.person_id,
        role=enrolled.role,
        enrollment_id=enrolled.id,
        course_id=uuid.uuid4(),
        status=status,
        modules_done=done,
        modules_total=total,
        required_for_matching=required,
        ready_for_matching=status == "completed" or not required,
        overdue=overdue,
        assigned_at=NOW,
        due_at=NOW + dt.timedelta(days=14),
        completed_at=NOW if status == "completed" else None,
    )


def gates_state(
    program_id: uuid.UUID, organization: str, *, version: int, mentors: bool, mentees: bool
) -> Event:
    return ReadinessGatesUpdated(
        gates=ReadinessGates(
            program_id=program_id,
            organization=organization,
            version=version,
            mentors_must_complete=mentors,
            mentees_must_complete=mentees,
        )
    )


@dataclass
class GatedProgram:
    """A program with one mentor and one mentee in the read model, and what training says of them."""

    read_model: ReadModel
    client: httpx.AsyncClient
    admin: dict[str, str]
    organization: str = field(default_factory=new_org)
    program_id: uuid.UUID = field(default_factory=uuid.uuid4)
    enrollments: dict[str, EnrollmentState] = field(default_factory=dict)
    assignment_ids: dict[str, uuid.UUID] = field(default_factory=dict)

    async def start(self, *, mode: str = "admin_approved") -> None:
        mentor = person(self.organization, name="Grace", skills={"pytorch": 5}, seniority="staff")
        mentee = person(self.organization, name="Alan", interests={"pytorch": (1, 3)}, seniority="junior")
        events: list[Event] = [
            ProgramCreated(program=program(self.organization, program_id=self.program_id, mode=mode))
        ]
        for role, someone in (("mentor", mentor), ("mentee", mentee)):
            self.enrollments[role] = enrollment(self.organization, self.program_id, someone.id, role)
            self.assignment_ids[role] = uuid.uuid4()
            events += [PersonCreated(person=someone), EnrollmentCreated(enrollment=self.enrollments[role])]
        await self.read_model.apply(*events)

    def person_id(self, role: str) -> uuid.UUID:
        return self.enrollments[role].person_id

    def assignment(self, role: str, **fields: Any) -> AssignmentProgress:
        return assignment_state(self.enrollments[role], assignment_id=self.assignment_ids[role], **fields)

    def gates(self, *, version: int, mentors: bool = False, mentees: bool = False) -> Event:
        return gates_state(
            self.program_id, self.organization, version=version, mentors=mentors, mentees=mentees
        )

    async def suggestions(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.get(
            f"/v1/programs/{self.program_id}/suggestions",
            params={"mentee_id": str(self.person_id("mentee"))},
            headers=headers or self.admin,
        )
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    async def suggested(self) -> list[str]:
        return [item["mentor_id"] for item in (await self.suggestions())["items"]]


async def gated_program(
    read_model: ReadModel, client: httpx.AsyncClient, auth: AuthHeaders, **options: Any
) -> GatedProgram:
    organization = new_org()
    gated = GatedProgram(read_model, client, auth(organization, "admin", "admin"), organization=organization)
    await gated.start(**options)
    return gated


async def test_a_gated_mentor_is_not_suggested_until_the_course_is_completed(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    gated = await gated_program(read_model, matching_client, auth)
    mentor = str(gated.person_id("mentor"))
    assert await gated.suggested() == [mentor]

    await read_model.apply(gated.gates(version=1, mentors=True))
    document = await gated.suggestions()
    assert document["items"] == []
    assert document["not_ready"] == [
        {"person_id": mentor, "role": "mentor", "reason": "not matched: mentor course not assigned yet"}
    ]

    await read_model.apply(
        TrainingModuleCompleted(
            assignment=gated.assignment("mentor", version=3, done=2),
            module_id=uuid.uuid4(),
            module_version=1,
        )
    )
    document = await gated.suggestions()
    assert document["items"] == []
    assert document["not_ready"][0]["reason"] == "not matched: mentor course 2 of 4 modules done"
    # A mentee sees no one else's course progress: the mentor is simply not suggested.
    as_mentee = auth(gated.organization, str(gated.person_id("mentee")), "mentee")
    assert await gated.suggestions(as_mentee) == {**document, "not_ready": []}

    await read_model.apply(
        TrainingCompleted(assignment=gated.assignment("mentor", version=5, status="completed", done=4))
    )
    document = await gated.suggestions()
    assert [item["mentor_id"] for item in document["items"]] == [mentor]
    assert document["not_ready"] == []


async def test_assignment_events_repeated_and_out_of_order_keep_the_newest_progress(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    gated = await gated_program(read_model, matching_client, auth)
    completed = TrainingCompleted(
        assignment=gated.assignment("mentor", version=4, status="completed", done=4)
    )
    assigned = TrainingAssigned(assignment=gated.assignment("mentor", version=1))
    halfway = TrainingModuleCompleted(
        assignment=gated.assignment("mentor", version=3, done=2), module_id=uuid.uuid4(), module_version=1
    )
    # The gates arrive after the assignments, the completion before the progress it follows,
    # and everything twice.
    await read_model.apply(completed, assigned, halfway)
    await read_model.apply(gated.gates(version=1, mentors=True), completed, halfway, assigned)

    async with read_model.sessions() as session:
        row = await session.get(CourseAssignment, gated.assignment_ids["mentor"])
    assert row is not None and (row.version, row.status, row.modules_done) == (4, "completed", 4)
    assert await gated.suggested() == [str(gated.person_id("mentor"))]


async def test_readiness_gate_events_out_of_order_keep_the_newest_gates(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    gated = await gated_program(read_model, matching_client, auth)
    await read_model.apply(
        gated.gates(version=2, mentors=False), gated.gates(version=1, mentors=True), gated.gates(version=2)
    )
    async with read_model.sessions() as session:
        gates = (
            await session.execute(select(ReadinessGate).where(ReadinessGate.program_id == gated.program_id))
        ).scalar_one()
    assert (gates.version, gates.mentors_must_complete) == (2, False)
    assert await gated.suggested() == [str(gated.person_id("mentor"))]


async def test_a_gated_mentee_gets_no_suggestions_and_is_told_why(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    gated = await gated_program(read_model, matching_client, auth)
    await read_model.apply(
        gated.gates(version=1, mentees=True),
        TrainingAssigned(assignment=gated.assignment("mentee", version=1, done=1, total=3, overdue=True)),
    )
    as_mentee = auth(gated.organization, str(gated.person_id("mentee")), "mentee")
    document = await gated.suggestions(as_mentee)
    assert document["items"] == []
    assert document["not_ready"] == [
        {
            "person_id": str(gated.person_id("mentee")),
            "role": "mentee",
            "reason": "not matched: mentee course 1 of 3 modules done, overdue",
        }
    ]


async def test_a_closed_assignment_holds_back_only_while_the_gate_is_on(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    gated = await gated_program(read_model, matching_client, auth)
    closed = gated.assignment("mentor", version=2, status="closed", done=1)
    await read_model.apply(gated.gates(version=1, mentors=True), TrainingAssignmentClosed(assignment=closed))
    document = await gated.suggestions()
    assert document["items"] == []
    assert (
        document["not_ready"][0]["reason"]
        == "not matched: mentor course closed unfinished (1 of 4 modules done)"
    )

    # Training publishes the gate, not closed assignments again: the gate alone lets the mentor in.
    await read_model.apply(gated.gates(version=2, mentors=False))
    assert await gated.suggested() == [str(gated.person_id("mentor"))]


async def test_a_round_plans_without_held_back_people_and_reports_why(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    gated = await gated_program(read_model, matching_client, auth)
    await read_model.apply(
        gated.gates(version=1, mentors=True, mentees=True),
        TrainingAssignmentUpdated(assignment=gated.assignment("mentor", version=2, done=2)),
    )
    created = await matching_client.post(
        f"/v1/programs/{gated.program_id}/rounds", json={}, headers=gated.admin
    )
    assert created.status_code == 201, created.text
    stats = created.json()["stats"]
    assert stats["mentors"] == 0 and stats["mentees"] == 0
    assert stats["not_ready"] == [
        {
            "person_id": str(gated.person_id("mentor")),
            "role": "mentor",
            "reason": "not matched: mentor course 2 of 4 modules done",
        },
        {
            "person_id": str(gated.person_id("mentee")),
            "role": "mentee",
            "reason": "not matched: mentee course not assigned yet",
        },
    ]
    proposals = await matching_client.get(f"/v1/rounds/{created.json()['id']}/proposals", headers=gated.admin)
    [waitlisted] = proposals.json()["items"]
    assert waitlisted["mentor_id"] is None
    assert waitlisted["warnings"] == ["not matched: mentee course not assigned yet"]

    # An admin may still pair them by hand; the proposal says what it overrides.
    paired = await matching_client.put(
        f"/v1/rounds/{created.json()['id']}/proposals/{gated.person_id('mentee')}",
        json={"mentor_id": str(gated.person_id("mentor"))},
        headers={**gated.admin, "If-Match": created.headers["ETag"]},
    )
    assert paired.status_code == 200, paired.text
    assert {
        "paired by an admin despite: not matched: mentee course not assigned yet",
        "paired by an admin despite: not matched: mentor course 2 of 4 modules done",
    } <= set(paired.json()["warnings"])


async def test_a_mentee_cannot_request_a_mentor_the_gate_holds_back(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    gated = await gated_program(read_model, matching_client, auth, mode="mentee_choice")
    await read_model.apply(gated.gates(version=1, mentors=True))
    as_mentee = auth(gated.organization, str(gated.person_id("mentee")), "mentee")
    response = await matching_client.post(
        f"/v1/programs/{gated.program_id}/requests",
        json={"mentor_id": str(gated.person_id("mentor"))},
        headers=as_mentee,
    )
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/not-ready-for-matching"
    assert "modules" not in response.json()["detail"]  # the mentor's progress is not the mentee's to see
