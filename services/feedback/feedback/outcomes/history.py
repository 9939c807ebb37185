"""What an organization's outcome report is computed from: its stored history, as plain values.

`sources.load_history` reads it from the feedback schema (read models built from profiles,
matching, scheduling, workspace and training events, and feedback's own answers and health);
`report.build_report` turns it into the report's tables. Tests and benchmarks build it directly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from feedback.outcomes.careers import Careers


@dataclass(frozen=True)
class ProgramRecord:
    id: uuid.UUID
    name: str
    objective: str | None
    status: str
    cohort_start: date
    cohort_end: date
    session_cadence: str | None = None


@dataclass(frozen=True)
class EnrollmentRecord:
    program_id: uuid.UUID
    person_id: uuid.UUID
    role: str  # mentor or mentee
    status: str
    enrolled_day: int
    left_day: int | None = None
    capacity: int = 0  # a mentor's places in the program (the enrollment's, else the person's)


@dataclass(frozen=True)
class MatchRecord:
    program_id: uuid.UUID
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    live: bool
    started_day: int | None  # None: never started (proposed, declined, expired)


@dataclass
class ProgramActivity:
    """A program's sums from sessions, health, goals, training and answers."""

    sessions_held: int = 0
    sessions_held_28d: int = 0
    at_risk: int = 0
    health: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])  # live matches per 20 points
    goals_set: int = 0
    goals_done: int = 0
    training_assigned: int = 0
    training_completed: int = 0
    satisfaction_sum: float = 0
    satisfaction_squares: float = 0
    satisfaction_count: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0


@dataclass
class MonthActivity:
    """A program's sums of one calendar month."""

    sessions_held: int = 0
    goals_completed: int = 0
    trainings_completed: int = 0
    satisfaction_sum: float = 0
    satisfaction_count: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0


@dataclass
class OrganizationHistory:
    organization: str
    as_of: date
    careers: Careers
    programs: list[ProgramRecord]
    enrollments: list[EnrollmentRecord]
    matches: list[MatchRecord]
    activity: dict[uuid.UUID, ProgramActivity] = field(default_factory=dict)
    months: dict[tuple[uuid.UUID, date], MonthActivity] = field(default_factory=dict)
    # A mentee's first completed session in a program: (program, mentee) -> day.
    first_sessions: dict[tuple[uuid.UUID, uuid.UUID], int] = field(default_factory=dict)
    # The services the organization has events from (a measure built on another one is "not available").
    sources: set[str] = field(default_factory=set)
