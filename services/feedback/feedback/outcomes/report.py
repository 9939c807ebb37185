"""An organization's outcome report, from its history: every table of `tables.py`, and the
dashboard document the API serves as it is.

Pure code (no I/O). What each figure means is in `measures.CATALOG`; who is compared with whom in
`designs`; how intervals are computed in `estimators` and `comparison`; the rows of each table in
`figures`, `group_rows`, `program_rows` and `trend`; privacy of group reports in `groups`. Every
number below the minimum size is left out with a note, never shown.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from feedback.outcomes.careers import careers_from
from feedback.outcomes.cohorts import CohortFigure, cohort_changes, series_key
from feedback.outcomes.context import (
    ACTIVE,
    LEFT,
    MENTEE,
    MENTOR,
    ORGANIZATION,
    PROGRAM,
    ReportContext,
    ReportRules,
    Row,
    months_back,
    rounded,
)
from feedback.outcomes.documents import figure_document
from feedback.outcomes.figures import career_rows, descriptive_rows
from feedback.outcomes.group_rows import group_rows
from feedback.outcomes.history import OrganizationHistory, ProgramActivity, ProgramRecord
from feedback.outcomes.measures import CATALOG, Unit, headlines
from feedback.outcomes.program_rows import HEALTH_BUCKETS, program_row
from feedback.outcomes.tables import TABLES, TableName
from feedback.outcomes.trend import Events, trend_rows
from shared.contracts.profiles import ProgramObjective

# What the dashboard shows of each program (the programs table has the rest).
SUMMARY_FIELDS = (
    "program_id", "program_name", "objective", "status", "cohort_start", "cohort_end", "mentees_active",
    "mentors", "matches_live", "sessions_held", "sessions_held_28d", "engagement_ratio", "at_risk_share",
    "unfilled_capacity_share", "overloaded_mentors", "goal_attainment", "training_completion", "nps",
    "needs_attention",
)  # fmt: skip


@dataclass
class Report:
    tables: dict[TableName, list[Row]]
    dashboard: dict[str, Any]


def _sum_activity(activities: Iterable[ProgramActivity]) -> ProgramActivity:
    total = ProgramActivity()
    for activity in activities:
        for name, value in vars(activity).items():
            if name == "health":
                total.health = [a + b for a, b in zip(total.health, value, strict=True)]
            else:
                setattr(total, name, getattr(total, name) + value)
    return total


def build_report(history: OrganizationHistory, rules: ReportRules, *, computed_at: datetime | None) -> Report:
    """Every table of the organization's outcome report, and its dashboard."""
    context = ReportContext(history, rules)
    programs = sorted(history.programs, key=lambda p: (p.cohort_start, p.name, str(p.id)))
    tables: dict[TableName, list[Row]] = {name: [] for name in TABLES}
    months = months_back(history.as_of, rules.trend_months)
    events = Events(context.careers)
    matched_by_program: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for match in history.matches:
        if match.started_day is not None:
            matched_by_program[match.program_id].add(match.mentee_id)
    first_day = min((p.cohort_start for p in programs), default=history.as_of)

    # The whole organization.
    everyone = context.all_participants(programs)
    org_rows, org_designs = career_rows(context, ORGANIZATION, None, everyone, ())
    all_enrollments = [e for p in programs for e in context.enrollments[p.id]]
    all_matched = set().union(*matched_by_program.values()) if matched_by_program else set()
    org_activity = _sum_activity(history.activity.get(p.id, ProgramActivity()) for p in programs)
    org_rows += descriptive_rows(
        context,
        ORGANIZATION,
        None,
        enrollments=all_enrollments,
        matched=all_matched,
        activity=org_activity,
        featured=set(),
        period=(first_day, history.as_of),
    )
    tables[TableName.OUTCOMES] += org_rows
    org_mentees: dict[uuid.UUID, int] = {}
    for e in all_enrollments:
        if e.role == MENTEE:
            org_mentees[e.person_id] = min(org_mentees.get(e.person_id, e.enrolled_day), e.enrolled_day)
    tables[TableName.GROUPS] += group_rows(
        context, ORGANIZATION, None, mentees=org_mentees, matched=all_matched, design_365=org_designs.get(365)
    )
    tables[TableName.TREND] += trend_rows(
        context, ORGANIZATION, None, months=months, programs=programs, participants=everyone,
        events=events,
    )  # fmt: skip

    # Each program.
    program_summaries = []
    cohort_figures = []
    for program in programs:
        featured = set(headlines(program.objective))
        participants = context.participants(program)
        rows, designs = career_rows(context, PROGRAM, program, participants, featured)
        rows += descriptive_rows(
            context,
            PROGRAM,
            program,
            enrollments=context.enrollments[program.id],
            matched=matched_by_program[program.id],
            activity=history.activity.get(program.id, ProgramActivity()),
            featured=featured,
            period=(program.cohort_start, history.as_of),
        )
        tables[TableName.OUTCOMES] += rows
        summary_row, attention = program_row(context, program)
        tables[TableName.PROGRAMS].append(summary_row)
        tables[TableName.ATTENTION] += attention
        if program.objective == ProgramObjective.DIVERSITY_INCLUSION.value:
            mentees: dict[uuid.UUID, int] = {}
            for e in context.enrollments[program.id]:
                if e.role == MENTEE:
                    mentees[e.person_id] = min(mentees.get(e.person_id, e.enrolled_day), e.enrolled_day)
            tables[TableName.GROUPS] += group_rows(
                context, PROGRAM, program, mentees=mentees, matched=matched_by_program[program.id],
                design_365=designs.get(365),
            )  # fmt: skip
        tables[TableName.TREND] += trend_rows(
            context, PROGRAM, program, months=months, programs=[program], participants=participants,
            events=events,
        )  # fmt: skip
        by_measure = {row["measure"]: row for row in rows}
        headline_share = next(
            (m for m in headlines(program.objective) if CATALOG[m].unit is Unit.SHARE), None
        )
        if headline_share is not None:
            row = by_measure[headline_share.value]
            cohort_figures.append(
                CohortFigure(
                    program_id=program.id,
                    program_name=program.name,
                    series=series_key(program.name, program.objective),
                    cohort_start=program.cohort_start,
                    measure=headline_share.value,
                    status=row["status"],
                    size=int(row.get("participants") or 0),
                    value=row.get("value"),
                )
            )
        program_summaries.append(
            {
                **{name: summary_row[name] for name in SUMMARY_FIELDS},
                "headlines": [
                    figure_document(by_measure[m.value])
                    for m in headlines(program.objective)
                    if m.value in by_measure
                ],
                "attention": attention,
            }
        )
    for change in cohort_changes(cohort_figures, confidence=rules.confidence):
        figure = change.figure
        tables[TableName.COHORTS].append(
            {
                "series": figure.series,
                "program_id": figure.program_id,
                "program_name": figure.program_name,
                "cohort_start": figure.cohort_start,
                "measure": figure.measure,
                "status": figure.status,
                "size": figure.size,
                "value": figure.value,
                "previous_program_id": change.previous_program_id,
                "change": rounded(change.change),
                "ci_low": rounded(change.ci_low),
                "ci_high": rounded(change.ci_high),
            }
        )

    # Every row has exactly its table's columns, in their order (missing ones are empty).
    tables = {
        name: [{column: row.get(column) for column in TABLES[name].column_names} for row in rows]
        for name, rows in tables.items()
    }
    dashboard = _dashboard(
        history, rules, tables, program_summaries, org_activity, computed_at=computed_at, programs=programs
    )
    return Report(tables=tables, dashboard=dashboard)


def empty_report(organization: str, *, as_of: date, rules: ReportRules) -> Report:
    """The report of an organization before anything was computed: every table empty, every
    figure "not available" (the dashboard's shape, so clients need no special case)."""
    history = OrganizationHistory(organization, as_of, careers_from([]), [], [], [])
    return build_report(history, rules, computed_at=None)


TOTAL_DEFINITIONS = {
    "programs": "Programs of the organization, in any status",
    "active_programs": "Programs in status active",
    "participants": "Distinct mentees enrolled (neither withdrawn nor completed) in active programs",
    "participants_ever": "Distinct people ever enrolled as mentees",
    "mentors": "Distinct mentors enrolled (neither withdrawn nor completed) in active programs",
    "matches_live": "Matches accepted or active now, all programs",
    "matches_started": "Matches that ever started, all programs",
    "sessions_held": "Completed sessions, all programs, all time",
    "sessions_held_28d": "Completed sessions, all programs, last 28 days",
    "health_distribution": "Live matches by their latest health score (0-100), in bands of 20 points",
    "at_risk_matches": "Live matches at risk now",
    "goals_set": "Goals set by pairs (workspace)",
    "goals_done": "Goals done",
    "training_assigned": "Course assignments not closed (training)",
    "training_completed": "Course assignments completed",
}


def _dashboard(
    history: OrganizationHistory,
    rules: ReportRules,
    tables: dict[TableName, list[Row]],
    program_summaries: list[Row],
    activity: ProgramActivity,
    *,
    computed_at: datetime | None,
    programs: Sequence[ProgramRecord],
) -> dict[str, Any]:
    active = {p.id for p in programs if p.status == ACTIVE}
    enrollments = history.enrollments
    org_outcomes = [row for row in tables[TableName.OUTCOMES] if row["scope"] == ORGANIZATION]
    return {
        "organization": history.organization,
        "computed_at": computed_at,
        "as_of": history.as_of,
        "rules": {
            "min_size": rules.min_size,
            "min_group_size": rules.min_group_size,
            "confidence": rules.confidence,
            "group_attributes": list(rules.group_attributes),
            "attention": {
                "min_engagement_ratio": rules.thresholds.min_engagement_ratio,
                "max_at_risk_share": rules.thresholds.max_at_risk_share,
                "max_unfilled_capacity_share": rules.thresholds.max_unfilled_capacity_share,
                "max_overloaded_mentors": rules.thresholds.max_overloaded_mentors,
            },
        },
        "totals": {
            "programs": len(programs),
            "active_programs": len(active),
            "participants": len(
                {
                    e.person_id
                    for e in enrollments
                    if e.program_id in active and e.role == MENTEE and e.status not in LEFT
                }
            ),
            "participants_ever": len({e.person_id for e in enrollments if e.role == MENTEE}),
            "mentors": len(
                {
                    e.person_id
                    for e in enrollments
                    if e.program_id in active and e.role == MENTOR and e.status not in LEFT
                }
            ),
            "matches_live": sum(1 for m in history.matches if m.live),
            "matches_started": sum(1 for m in history.matches if m.started_day is not None),
            "sessions_held": activity.sessions_held,
            "sessions_held_28d": activity.sessions_held_28d,
            "health_distribution": dict(zip(HEALTH_BUCKETS, activity.health, strict=True)),
            "at_risk_matches": activity.at_risk,
            "goals_set": activity.goals_set,
            "goals_done": activity.goals_done,
            "training_assigned": activity.training_assigned,
            "training_completed": activity.training_completed,
        },
        "definitions": TOTAL_DEFINITIONS,
        "outcomes": [figure_document(row) for row in org_outcomes],
        "programs": program_summaries,
        "attention": tables[TableName.ATTENTION],
        "groups": [row for row in tables[TableName.GROUPS] if row["scope"] == ORGANIZATION],
        "cohorts": tables[TableName.COHORTS],
        "trend": [row for row in tables[TableName.TREND] if row["scope"] == ORGANIZATION],
        "exports": {
            "tables": {
                name.value: {
                    "json": f"/v1/outcomes/tables/{name.value}",
                    "csv": f"/v1/outcomes/tables/{name.value}.csv",
                }
                for name in TABLES
            },
            "charts": {
                measure.value: f"/v1/outcomes/charts/{measure.value}.svg"
                for measure, spec in CATALOG.items()
                if spec.unit in (Unit.SHARE, Unit.DAYS)
            },
            "snapshots": "/v1/outcomes/snapshots",
        },
    }
