"""The tables of the outcome reports: their columns, documented once, for the API's JSON and CSV
exports and the daily snapshots BI tools load.

Pure code (no I/O). The columns of a table are a stable contract: new columns are added at the
end, none is renamed or removed (a BI tool's load job names them). Every row is flat: numbers,
text, dates (ISO 8601), booleans (`true`/`false`), empty for "no value".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class TableName(StrEnum):
    PROGRAMS = "programs"
    OUTCOMES = "outcomes"
    GROUPS = "groups"
    COHORTS = "cohorts"
    TREND = "trend"
    ATTENTION = "attention"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string, integer, number, date, boolean, uuid
    description: str


@dataclass(frozen=True)
class Table:
    name: TableName
    description: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _c(name: str, kind: str, description: str) -> Column:
    return Column(name, kind, description)


_SCOPE = _c("scope", "string", "`organization` (all programs together) or `program`")
_PROGRAM = (
    _c("program_id", "uuid", "The program (empty for the whole organization)"),
    _c("program_name", "string", "The program's name"),
)

TABLES: dict[TableName, Table] = {
    table.name: table
    for table in (
        Table(
            TableName.PROGRAMS,
            "One row per program: activity now and over its life, and whether it needs attention.",
            (
                *_PROGRAM,
                _c(
                    "objective",
                    "string",
                    "onboarding, leadership, technical_skills, diversity_inclusion, "
                    "career_growth (empty while unknown)",
                ),
                _c("status", "string", "draft, active or closed"),
                _c("cohort_start", "date", "First day of the cohort"),
                _c("cohort_end", "date", "Last day of the cohort"),
                _c("mentees", "integer", "Mentees ever enrolled"),
                _c("mentees_active", "integer", "Mentees enrolled and neither withdrawn nor completed"),
                _c("mentors", "integer", "Mentors enrolled and neither withdrawn nor completed"),
                _c("matches_live", "integer", "Matches accepted or active now"),
                _c("matches_started", "integer", "Matches that ever started (accepted)"),
                _c("sessions_held", "integer", "Completed sessions, all time"),
                _c("sessions_held_28d", "integer", "Completed sessions in the last 28 days"),
                _c(
                    "sessions_planned_28d",
                    "number",
                    "Sessions the cadence plans in 28 days for the live matches",
                ),
                _c("engagement_ratio", "number", "sessions_held_28d / sessions_planned_28d"),
                _c("at_risk_matches", "integer", "Live matches at risk now"),
                _c("at_risk_share", "number", "at_risk_matches / matches_live"),
                _c("health_0_20", "integer", "Live matches whose latest health score is below 20"),
                _c("health_20_40", "integer", "... from 20 to below 40"),
                _c("health_40_60", "integer", "... from 40 to below 60"),
                _c("health_60_80", "integer", "... from 60 to below 80"),
                _c("health_80_100", "integer", "... from 80 to 100"),
                _c("mentor_capacity", "integer", "Places: the capacity of the active mentors"),
                _c("unfilled_capacity_share", "number", "Share of places without a live match"),
                _c("overloaded_mentors", "integer", "Mentors with more live matches than their capacity"),
                _c("goals_set", "integer", "Goals set by the program's pairs (workspace)"),
                _c("goals_done", "integer", "Of those, done"),
                _c("goal_attainment", "number", "goals_done / goals_set"),
                _c("training_assigned", "integer", "Course assignments of the program not closed (training)"),
                _c("training_completed", "integer", "Of those, completed"),
                _c("training_completion", "number", "training_completed / training_assigned"),
                _c("satisfaction_average", "number", "Mean satisfaction (1-5) in check-ins and close-outs"),
                _c("satisfaction_responses", "integer", "Answers behind satisfaction_average"),
                _c("nps", "number", "Net promoter score (-100..100) in check-ins and close-outs"),
                _c("nps_responses", "integer", "Answers behind nps"),
                _c("needs_attention", "boolean", "Whether any attention threshold is crossed"),
                _c("attention_reasons", "string", "The reasons, separated by `;` (see the attention table)"),
            ),
        ),
        Table(
            TableName.OUTCOMES,
            "One row per measure, for the whole organization and per program: participants against a "
            "matched comparison group where the measure allows one, with the method of every figure.",
            (
                _SCOPE,
                *_PROGRAM,
                _c("objective", "string", "The program's objective"),
                _c("measure", "string", "The measure's name (see `definition`)"),
                _c("label", "string", "The measure, in words"),
                _c("headline", "boolean", "Whether it is a headline measure of the program's objective"),
                _c(
                    "status",
                    "string",
                    "ok, not_enough_data (fewer people than the minimum: no number) or "
                    "not_available (no events from the service it is built from)",
                ),
                _c("note", "string", "Why a figure is missing, or what to keep in mind"),
                _c("unit", "string", "share (0..1), days, score (1..5) or nps (-100..100)"),
                _c("value", "number", "The participants' figure"),
                _c("comparison_value", "number", "The matched comparison group's figure (reweighted)"),
                _c("difference", "number", "value - comparison_value"),
                _c(
                    "ci_low",
                    "number",
                    "Lower bound of the confidence interval (of the difference when "
                    "there is a comparison group, else of the value)",
                ),
                _c("ci_high", "number", "Upper bound of that interval"),
                _c("confidence", "number", "The interval's confidence level"),
                _c("participants", "integer", "People (or goals, assignments, answers) behind value"),
                _c("comparison", "integer", "Matched comparison records behind comparison_value"),
                _c("comparison_effective", "number", "The comparison group's effective size after weighting"),
                _c(
                    "unmatched_participants",
                    "integer",
                    "Participants left out: no comparable non-participant",
                ),
                _c("strata", "integer", "Strata with people on both sides"),
                _c("period_start", "date", "First day the figure covers"),
                _c("period_end", "date", "Last day the figure covers"),
                _c("definition", "string", "What is measured, on whom"),
                _c("method", "string", "How the figure and its interval are computed"),
                _c("source", "string", "The service whose events the measure is built from"),
            ),
        ),
        Table(
            TableName.GROUPS,
            "Shares per group of people (department, seniority, time-zone region) for diversity and "
            "inclusion: groups below the minimum size are withheld (with complementary suppression); "
            "no row is ever about one person.",
            (
                _SCOPE,
                *_PROGRAM,
                _c("attribute", "string", "department, seniority or time_zone_region"),
                _c("group", "string", "The attribute's value (empty on the row reporting withheld groups)"),
                _c("measure", "string", "match_rate, retention_365d or promotion_365d"),
                _c("status", "string", "ok, not_enough_data (size shown, no share) or suppressed"),
                _c("size", "integer", "People in the group"),
                _c("value", "number", "The group's share"),
                _c("ci_low", "number", "Wilson interval, lower bound"),
                _c("ci_high", "number", "Wilson interval, upper bound"),
                _c("suppressed_groups", "integer", "Groups of this attribute and measure withheld"),
                _c("min_group_size", "integer", "The minimum group size applied"),
                _c("definition", "string", "What is measured, on whom"),
            ),
        ),
        Table(
            TableName.COHORTS,
            "Runs of a repeated program (same objective, same name apart from years, seasons and cohort "
            "numbers) side by side, each with its change from the previous run.",
            (
                _c("series", "string", "objective:name shared by the runs"),
                *_PROGRAM,
                _c("cohort_start", "date", "The run's cohort start"),
                _c("measure", "string", "The series' headline measure (a share)"),
                _c("status", "string", "ok or not_enough_data"),
                _c("size", "integer", "Participants behind value"),
                _c("value", "number", "The participants' share"),
                _c("previous_program_id", "uuid", "The run before"),
                _c("change", "number", "value - the previous run's value"),
                _c("ci_low", "number", "Newcombe interval of the change, lower bound"),
                _c("ci_high", "number", "Newcombe interval of the change, upper bound"),
            ),
        ),
        Table(
            TableName.TREND,
            "Per calendar month (UTC), for the organization and per program: activity and what "
            "happened to participants.",
            (
                _c("month", "date", "First day of the month"),
                _SCOPE,
                *_PROGRAM,
                _c("sessions_held", "integer", "Completed sessions that started in the month"),
                _c("matches_started", "integer", "Matches that started in the month"),
                _c("mentees_enrolled", "integer", "Mentees who enrolled in the month"),
                _c("participants_left", "integer", "Participants (mentees since their start) deactivated"),
                _c("participants_promoted", "integer", "Participants promoted (seniority or title up)"),
                _c("goals_completed", "integer", "Goals completed"),
                _c("trainings_completed", "integer", "Course assignments completed"),
                _c("satisfaction_average", "number", "Mean satisfaction answered in the month"),
                _c("satisfaction_responses", "integer", "Answers behind satisfaction_average"),
                _c("nps", "number", "NPS of the month's answers"),
                _c("nps_responses", "integer", "Answers behind nps"),
            ),
        ),
        Table(
            TableName.ATTENTION,
            "Programs needing attention: one row per crossed threshold of a live program.",
            (
                *_PROGRAM,
                _c("reason", "string", "low_engagement, at_risk, unfilled_capacity or mentor_overload"),
                _c("value", "number", "The program's figure"),
                _c("threshold", "number", "The threshold it crossed"),
                _c("setting", "string", "The service setting holding the threshold"),
                _c("explanation", "string", "What the threshold means"),
            ),
        ),
    )
}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def table_csv(table: Table, rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV with the table's header (RFC 4180; the csv module does the quoting)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.column_names)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in table.column_names])
    return buffer.getvalue()


def table_document(table: Table) -> dict[str, Any]:
    """A table's documentation: what a row is, and each column's name, type and meaning."""
    return {
        "name": table.name.value,
        "description": table.description,
        "columns": [
            {"name": column.name, "type": column.type, "description": column.description}
            for column in table.columns
        ],
    }
