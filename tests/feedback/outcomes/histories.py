"""Synthetic organization histories for the report tests: people from `outcomes.synthetic`, in
programs of every objective, with matches, sessions, goals, training and answers."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from feedback.outcomes.attention import Thresholds
from feedback.outcomes.careers import careers_from, day_date, day_number
from feedback.outcomes.context import ReportRules
from feedback.outcomes.history import (
    EnrollmentRecord,
    MatchRecord,
    MonthActivity,
    OrganizationHistory,
    ProgramActivity,
    ProgramRecord,
)
from feedback.outcomes.synthetic import Rates, synthetic_organization
from shared.contracts.profiles import ProgramObjective

AS_OF = date(2026, 12, 1)
OBJECTIVES = [objective.value for objective in ProgramObjective]
RULES = ReportRules(
    min_size=20,
    min_group_size=5,
    confidence=0.95,
    group_attributes=("department", "seniority", "time_zone_region"),
    thresholds=Thresholds(
        min_engagement_ratio=0.5,
        max_at_risk_share=0.2,
        max_unfilled_capacity_share=0.5,
        max_overloaded_mentors=0,
    ),
)


def organization_history(
    *,
    people: int = 3000,
    participants: int = 900,
    seed: int = 1,
    rates: Rates | None = None,
    sources: set[str] | None = None,
    runs: int = 2,
) -> OrganizationHistory:
    """`runs` runs of one program per objective (named "<Objective> <year>"), the participants
    spread over them; every other mentee matched; a mentor per five mentees."""
    as_of_day = day_number(AS_OF)
    org = synthetic_organization(
        people=people, participants=participants, as_of_day=as_of_day, rates=rates or Rates(), seed=seed
    )
    programs = []
    for run in range(runs):
        for objective in OBJECTIVES:
            start = day_date(as_of_day - 730 + 200 * run)
            programs.append(
                ProgramRecord(
                    id=uuid.UUID(int=len(programs) + 1),
                    name=f"{objective.replace('_', ' ').title()} {start.year}",
                    objective=objective,
                    status="active",
                    cohort_start=start,
                    cohort_end=start + timedelta(days=365),
                    session_cadence="weekly",
                )
            )
    enrollments, matches = [], []
    activity: dict[uuid.UUID, ProgramActivity] = {}
    months: dict[tuple[uuid.UUID, date], MonthActivity] = {}
    first_sessions = {}
    for number, (person, start) in enumerate(org.participants):
        program = programs[number % len(programs)]
        enrollments.append(EnrollmentRecord(program.id, person, "mentee", "active", start - 3))
        if (number // len(programs)) % 2 == 0:  # every other mentee of each program
            mentor = uuid.UUID(int=10_000 + number // 10)
            matches.append(MatchRecord(program.id, person, mentor, live=True, started_day=start + 5))
            first_sessions[(program.id, person)] = start + 12
    for program in programs:
        mentors = {m.mentor_id for m in matches if m.program_id == program.id}
        enrollments += [
            EnrollmentRecord(
                program.id, mentor, "mentor", "active", day_number(program.cohort_start) - 10, capacity=3
            )
            for mentor in mentors
        ]
        activity[program.id] = ProgramActivity(
            sessions_held=400,
            sessions_held_28d=40,
            health=[1, 2, 5, 10, 20],
            goals_set=60,
            goals_done=30,
            training_assigned=50,
            training_completed=45,
            satisfaction_sum=4 * 40,
            satisfaction_squares=17 * 40,
            satisfaction_count=40,
            promoters=20,
            passives=10,
            detractors=10,
        )
        months[(program.id, program.cohort_start.replace(day=1))] = MonthActivity(sessions_held=12)
    return OrganizationHistory(
        organization="org-synthetic",
        as_of=AS_OF,
        careers=careers_from(org.versions),
        programs=programs,
        enrollments=enrollments,
        matches=matches,
        activity=activity,
        months=months,
        first_sessions=first_sessions,
        sources=sources
        if sources is not None
        else {"profiles", "matching", "scheduling", "workspace", "training", "feedback"},
    )
