"""Readiness for matching: whom a program's training gates hold back, and why (pure: no I/O).

A program can require its mentors, or its mentees, to complete their course before they are
matched (training's readiness gates). A person enrolled in a gated role is held back until the
course of their enrollment is completed: while it is not assigned yet (between enrolling and
training assigning it), in progress, or closed. Where matching has not heard of the program's
gates yet, the assignment's own `required_for_matching` (as training last published it) decides.
The reason is the line suggestions and round reports show ("not matched: mentor course 2 of 4
modules done").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from shared.contracts.profiles import EnrollmentRole
from shared.contracts.training import AssignmentStatus


@dataclass(frozen=True)
class Gates:
    """A program's readiness gates."""

    mentors_must_complete: bool = False
    mentees_must_complete: bool = False

    def requires(self, role: str) -> bool:
        """Whether people enrolled as `role` must complete their course before being matched."""
        if role == EnrollmentRole.MENTOR.value:
            return self.mentors_must_complete
        return role == EnrollmentRole.MENTEE.value and self.mentees_must_complete

    @property
    def any(self) -> bool:
        return self.mentors_must_complete or self.mentees_must_complete


@dataclass(frozen=True)
class CourseProgress:
    """One course assignment of an enrollment, as training last published it."""

    status: str  # AssignmentStatus
    modules_done: int
    modules_total: int
    required_for_matching: bool
    overdue: bool
    assigned_at: datetime


def current(assignments: Iterable[CourseProgress]) -> CourseProgress | None:
    """The assignment that counts for an enrollment: a completed one, else the newest open one,
    else the newest closed one (an enrollment has one per course its program and role had)."""

    def rank(progress: CourseProgress) -> tuple[bool, bool, datetime]:
        return (
            progress.status == AssignmentStatus.COMPLETED.value,
            progress.status != AssignmentStatus.CLOSED.value,
            progress.assigned_at,
        )

    return max(assignments, key=rank, default=None)


def hold_back_reason(role: str, *, gates: Gates | None, progress: CourseProgress | None) -> str | None:
    """Why a person with a live enrollment as `role` may not be matched yet; None when ready.

    `gates` None: matching has not heard of the program's gates (then the assignment's own flag
    decides); `progress` None: no course assigned to the enrollment yet.
    """
    if progress is not None and progress.status == AssignmentStatus.COMPLETED.value:
        return None
    if gates is not None:
        required = gates.requires(role)
    else:
        required = progress is not None and progress.required_for_matching
    if not required:
        return None
    course = f"{role} course"
    if progress is None:
        return f"not matched: {course} not assigned yet"
    done = f"{progress.modules_done} of {progress.modules_total} modules done"
    if progress.status == AssignmentStatus.CLOSED.value:
        return f"not matched: {course} closed unfinished ({done})"
    if progress.overdue:
        return f"not matched: {course} {done}, overdue"
    return f"not matched: {course} {done}"


@dataclass(frozen=True)
class HeldBack:
    """The people of one program its gates hold back, by role, each with the reason: sets the hard
    filters of suggestions and rounds look up."""

    mentors: Mapping[uuid.UUID, str] = field(default_factory=dict)
    mentees: Mapping[uuid.UUID, str] = field(default_factory=dict)

    def reason(self, person_id: uuid.UUID, role: str) -> str | None:
        held = self.mentors if role == EnrollmentRole.MENTOR.value else self.mentees
        return held.get(person_id)


def held_back_by(
    enrollments: Iterable[tuple[uuid.UUID, str, CourseProgress | None]], *, gates: Gates | None
) -> HeldBack:
    """Who of (person, role, one of their enrollment's assignments or None) is held back, and why;
    a person may come once per assignment of their enrollment."""
    progress: dict[tuple[uuid.UUID, str], list[CourseProgress]] = {}
    for person_id, role, assignment in enrollments:
        found = progress.setdefault((person_id, role), [])
        if assignment is not None:
            found.append(assignment)
    mentors: dict[uuid.UUID, str] = {}
    mentees: dict[uuid.UUID, str] = {}
    for (person_id, role), assignments in progress.items():
        reason = hold_back_reason(role, gates=gates, progress=current(assignments))
        if reason is not None:
            (mentors if role == EnrollmentRole.MENTOR.value else mentees)[person_id] = reason
    return HeldBack(mentors=mentors, mentees=mentees)
