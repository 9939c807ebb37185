"""Events the training service publishes: a person's course assignment as it moves, and the
readiness gates of a program.

Every assignment event carries the assignment's FULL current progress (`AssignmentProgress`) and
its `version` (+1 on every change), so a consumer (matching's readiness, notifications) builds its
read model from events alone and drops an event older than what it holds. Ids and numbers only:
no titles, names, answers or reflections.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.privacy import accountability_events
from shared.contracts.profiles import EnrollmentRole
from shared.events import Event, EventType


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"  # in progress (or not started)
    COMPLETED = "completed"  # every module of the course done (final)
    CLOSED = "closed"  # the enrollment ended or the person left before completing


class CloseReason(StrEnum):
    WITHDRAWN = "withdrawn"
    ENROLLMENT_COMPLETED = "enrollment_completed"
    PERSON_DEACTIVATED = "person_deactivated"


class AssignmentProgress(BaseModel):
    """Where one person stands in the course of one program and role."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID = Field(description="The assignment")
    organization: str
    version: int = Field(description="+1 on every change: keep the highest")
    program_id: uuid.UUID
    person_id: uuid.UUID
    role: EnrollmentRole
    enrollment_id: uuid.UUID
    course_id: uuid.UUID
    status: AssignmentStatus
    modules_done: int
    modules_total: int
    required_for_matching: bool = Field(
        description="The program's readiness gate for this role is on: not matched until completed"
    )
    ready_for_matching: bool = Field(
        description="Not gated, or completed (a closed assignment is ready only when not gated)"
    )
    overdue: bool = Field(description="Past its due time and not completed")
    assigned_at: dt.datetime
    due_at: dt.datetime
    completed_at: dt.datetime | None = None
    closed_reason: CloseReason | None = None


class TrainingAssigned(Event):
    """A person was assigned the course of their program and role (enrollment, or a new course)."""

    event_type: ClassVar[EventType] = EventType("training", "assignment", "assigned", 1)
    assignment: AssignmentProgress


class TrainingModuleCompleted(Event):
    """A person completed one module of an assigned course; the counts are after it."""

    event_type: ClassVar[EventType] = EventType("training", "assignment", "module_completed", 1)
    assignment: AssignmentProgress
    module_id: uuid.UUID
    module_version: int
    score: float | None = Field(default=None, description="Best knowledge-check score (0-100), if any")


class TrainingCompleted(Event):
    """A person completed every module of an assigned course (ready, if the program gates on it)."""

    event_type: ClassVar[EventType] = EventType("training", "assignment", "completed", 1)
    assignment: AssignmentProgress


class TrainingOverdue(Event):
    """An assigned course passed its due time unfinished (published once per assignment)."""

    event_type: ClassVar[EventType] = EventType("training", "assignment", "overdue", 1)
    assignment: AssignmentProgress


class TrainingAssignmentUpdated(Event):
    """An assignment changed otherwise: the gate, the course's modules or due days, or it reopened;
    `changed` names the fields that did."""

    event_type: ClassVar[EventType] = EventType("training", "assignment", "updated", 1)
    assignment: AssignmentProgress
    changed: list[str] = []


class TrainingAssignmentClosed(Event):
    """An assignment closed unfinished: the enrollment ended or the person was deactivated."""

    event_type: ClassVar[EventType] = EventType("training", "assignment", "closed", 1)
    assignment: AssignmentProgress


class ReadinessGates(BaseModel):
    """Whether a program's mentors and mentees must complete their course before being matched."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    program_id: uuid.UUID
    organization: str
    version: int
    mentors_must_complete: bool
    mentees_must_complete: bool


class ReadinessGatesUpdated(Event):
    """A program's readiness gates changed (each open assignment of it follows as `updated`)."""

    event_type: ClassVar[EventType] = EventType("training", "readiness_gates", "updated", 1)
    gates: ReadinessGates


# Its audit entries, its part of a person's export, its confirmation of an erasure (privacy.py).
AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("training", __name__)
