"""Training completion in program analytics: per-program counts (assigned, completed, overdue) kept
by training's assignment events as they arrive, repeated or out of order, beside matches and
sessions in the analytics JSON and CSV."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
import pytest

from feedback.training_counts import counted
from shared.contracts.training import (
    AssignmentProgress,
    TrainingAssigned,
    TrainingAssignmentClosed,
    TrainingCompleted,
    TrainingModuleCompleted,
    TrainingOverdue,
)
from shared.events import Event
from tests.feedback.conftest import Cohort, days_ago, now


def test_an_assignment_counts_as_assigned_until_closed_and_overdue_only_in_progress() -> None:
    assert counted(None, False) == (0, 0, 0)
    assert counted("assigned", False) == (1, 0, 0)
    assert counted("assigned", True) == (1, 0, 1)
    assert counted("completed", True) == (1, 1, 0)
    assert counted("closed", True) == (0, 0, 0)


def progress(
    cohort: Cohort,
    assignment_id: uuid.UUID,
    *,
    version: int,
    status: str = "assigned",
    done: int = 0,
    overdue: bool = False,
) -> AssignmentProgress:
    return AssignmentProgress(
        id=assignment_id,
        organization=cohort.organization,
        version=version,
        program_id=cohort.program_id,
        person_id=uuid.uuid5(assignment_id, "person"),
        role="mentor",
        enrollment_id=uuid.uuid5(assignment_id, "enrollment"),
        course_id=uuid.uuid5(cohort.program_id, "course"),
        status=status,
        modules_done=done,
        modules_total=2,
        required_for_matching=True,
        ready_for_matching=status == "completed",
        overdue=overdue,
        assigned_at=days_ago(20),
        due_at=days_ago(6),
        completed_at=now() if status == "completed" else None,
        closed_reason="withdrawn" if status == "closed" else None,
    )


@pytest.mark.usefixtures("feedback_worker")
async def test_training_counts_follow_assignment_events_repeated_and_out_of_order(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program()
    completing, late, withdrawn = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first_module = TrainingModuleCompleted(
        assignment=progress(cohort, completing, version=2, done=1), module_id=uuid.uuid4(), module_version=1
    )
    events: list[Event] = [
        # Completed before its earlier steps arrive; the earlier steps then change nothing.
        TrainingCompleted(assignment=progress(cohort, completing, version=3, status="completed", done=2)),
        TrainingAssigned(assignment=progress(cohort, completing, version=1)),
        first_module,
        TrainingAssigned(assignment=progress(cohort, late, version=1)),
        TrainingOverdue(assignment=progress(cohort, late, version=2, overdue=True)),
        TrainingAssigned(assignment=progress(cohort, withdrawn, version=1, overdue=True)),
        TrainingAssignmentClosed(assignment=progress(cohort, withdrawn, version=2, status="closed")),
    ]
    envelopes = [await cohort.bus.publish(event, organization=cohort.organization) for event in events]
    for envelope in envelopes:  # every event delivered a second time
        await cohort.bus.redeliver(envelope)
    await cohort.bus.settled()

    response = await feedback_client.get(f"/v1/programs/{cohort.program_id}/analytics", headers=cohort.admin)
    assert response.status_code == 200, response.text
    analytics = response.json()
    assert analytics["summary"]["training"] == {
        "assigned": 2,
        "completed": 1,
        "overdue": 1,
        "completion_rate": 0.5,
    }
    this_week, earlier = analytics["weeks"][-1], analytics["weeks"][-5]
    assert (this_week["training_assigned"], this_week["training_completed"]) == (2, 1)
    assert this_week["training_overdue"] == 1
    assert (earlier["training_assigned"], earlier["training_completed"], earlier["training_overdue"]) == (
        0,
        0,
        None,
    )

    exported = await feedback_client.get(
        f"/v1/programs/{cohort.program_id}/analytics.csv", headers=cohort.admin
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert (rows[-1]["training_assigned"], rows[-1]["training_completed"], rows[-1]["training_overdue"]) == (
        "2",
        "1",
        "1",
    )
    assert rows[0]["training_overdue"] == ""


@pytest.mark.usefixtures("feedback_worker")
async def test_a_program_without_training_shows_zero_assignments(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program()
    await cohort.bus.settled()
    response = await feedback_client.get(f"/v1/programs/{cohort.program_id}/analytics", headers=cohort.admin)
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["training"] == {
        "assigned": 0,
        "completed": 0,
        "overdue": 0,
        "completion_rate": None,
    }
