"""What every part of an organization's outcome report reads, indexed once, and the rules it is
computed under.

Pure code (no I/O).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from feedback.outcomes.attention import Thresholds
from feedback.outcomes.careers import Careers, day_date, day_number
from feedback.outcomes.designs import NEVER, Participants
from feedback.outcomes.history import EnrollmentRecord, MatchRecord, OrganizationHistory, ProgramRecord
from shared.contracts.profiles import EnrollmentRole, EnrollmentStatus, ProgramStatus

Row = dict[str, Any]
ORGANIZATION, PROGRAM = "organization", "program"
MENTEE, MENTOR = EnrollmentRole.MENTEE.value, EnrollmentRole.MENTOR.value
ACTIVE = ProgramStatus.ACTIVE.value
LEFT = (EnrollmentStatus.WITHDRAWN.value, EnrollmentStatus.COMPLETED.value)


@dataclass(frozen=True)
class ReportRules:
    min_size: int  # people on each side (or answers, goals ...) below which there is no number
    min_group_size: int  # groups smaller than this are withheld in group reports
    confidence: float
    group_attributes: tuple[str, ...]
    thresholds: Thresholds
    trend_months: int = 24


def rounded(value: float | None, digits: int = 4) -> float | None:
    """A figure as stored and shown: rounded, None kept."""
    return None if value is None else round(float(value), digits)


def months_back(as_of: date, count: int) -> list[date]:
    months, year, month = [], as_of.year, as_of.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


@dataclass
class ReportContext:
    """What every part of the report reads, indexed once."""

    history: OrganizationHistory
    rules: ReportRules
    as_of_day: int = 0
    first_enrolled: np.ndarray = field(default_factory=lambda: np.empty(0))
    enrollments: dict[uuid.UUID, list[EnrollmentRecord]] = field(default_factory=dict)
    matches: dict[uuid.UUID, list[MatchRecord]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        history = self.history
        self.as_of_day = day_number(history.as_of)
        self.first_enrolled = np.full(history.careers.size, NEVER, dtype=np.int64)
        numbers = history.careers.numbers(e.person_id for e in history.enrollments)
        days = np.fromiter((e.enrolled_day for e in history.enrollments), dtype=np.int64, count=numbers.size)
        known = numbers >= 0
        np.minimum.at(self.first_enrolled, numbers[known], days[known])
        self.enrollments = defaultdict(list)
        for enrollment in history.enrollments:
            self.enrollments[enrollment.program_id].append(enrollment)
        self.matches = defaultdict(list)
        for match in history.matches:
            self.matches[match.program_id].append(match)

    @property
    def careers(self) -> Careers:
        return self.history.careers

    def available(self, source: str) -> bool:
        return source in self.history.sources

    def participants(self, program: ProgramRecord) -> Participants:
        """The program's mentees, each from the later of enrolling and the cohort start."""
        mentees = [e for e in self.enrollments[program.id] if e.role == MENTEE]
        cohort_start = day_number(program.cohort_start)
        return Participants.of(
            self.careers.numbers(e.person_id for e in mentees),
            np.asarray([max(e.enrolled_day, cohort_start) for e in mentees], dtype=np.int64),
        )

    def all_participants(self, programs: Sequence[ProgramRecord]) -> Participants:
        """Every mentee once, from their first start; compared within the calendar quarter of it."""
        first: dict[uuid.UUID, int] = {}
        for program in programs:
            cohort_start = day_number(program.cohort_start)
            for e in self.enrollments[program.id]:
                if e.role == MENTEE:
                    start = max(e.enrolled_day, cohort_start)
                    first[e.person_id] = min(first.get(e.person_id, start), start)
        starts = np.asarray(list(first.values()), dtype=np.int64)
        quarters = np.asarray([_quarter(day) for day in starts.tolist()], dtype=np.int64)
        return Participants.of(self.careers.numbers(first), starts, quarters)


def _quarter(day: int) -> int:
    moment = day_date(day)
    return moment.year * 4 + (moment.month - 1) // 3
