"""The organization's outcome report: headline measures per objective, how every figure was
computed, tables that match their documented columns, attention thresholds, cohorts and trend."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from feedback.outcomes.history import OrganizationHistory, ProgramActivity
from feedback.outcomes.measures import CATALOG, HEADLINES, Measure
from feedback.outcomes.report import Report, build_report
from feedback.outcomes.tables import TABLES, TableName, table_csv
from shared.contracts.profiles import ProgramObjective
from tests.feedback.outcomes.histories import RULES, organization_history

NOW = datetime(2026, 12, 1, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def history() -> OrganizationHistory:
    return organization_history()


@pytest.fixture(scope="module")
def report(history: OrganizationHistory) -> Report:
    return build_report(history, RULES, computed_at=NOW)


def test_each_program_features_the_headline_measures_of_its_objective(report: Report) -> None:
    programs = report.dashboard["programs"]
    assert len(programs) == 2 * len(ProgramObjective)
    for program in programs:
        expected = [measure.value for measure in HEADLINES[ProgramObjective(program["objective"])]]
        assert [figure["measure"] for figure in program["headlines"]] == expected
        assert all(figure["headline"] for figure in program["headlines"])
    leadership = next(p for p in programs if p["objective"] == "leadership")
    assert leadership["headlines"][0]["status"] == "ok"


def test_every_figure_says_how_it_was_computed(report: Report) -> None:
    figures = report.dashboard["outcomes"] + [f for p in report.dashboard["programs"] for f in p["headlines"]]
    assert {figure["measure"] for figure in report.dashboard["outcomes"]} == {m.value for m in CATALOG}
    for figure in figures:
        how = figure["how"]
        assert how["definition"] and how["method"] and how["source"]
        if figure["status"] == "ok":
            assert how["period"]["start"] is not None and how["period"]["end"] is not None
            assert how["groups"]["participants"] >= RULES.min_size
            assert figure["ci_low"] is not None
            # A median's upper bound is missing while the band never crosses one half.
            assert figure["ci_high"] is not None or figure["unit"] == "days"
        if CATALOG[Measure(figure["measure"])].compared and figure["status"] == "ok":
            assert how["groups"]["comparison"] >= RULES.min_size
            assert figure["difference"] == pytest.approx(
                figure["value"] - figure["comparison_value"], abs=2e-4
            )
            assert "coarsened exact matching" in how["method"] and "Newcombe" in how["method"]
        if figure["status"] != "ok":
            assert figure["value"] is None and figure["note"]


def test_a_measure_without_events_from_its_service_is_not_available() -> None:
    history = organization_history(people=600, participants=150, sources={"profiles", "matching", "feedback"})
    report = build_report(history, RULES, computed_at=NOW)
    by_measure = {f["measure"]: f for f in report.dashboard["outcomes"]}
    assert by_measure["goals_completed"]["status"] == "not_available"
    assert by_measure["goals_completed"]["note"] == "not available: no events from workspace"
    assert by_measure["training_completion"]["note"] == "not available: no events from training"
    assert by_measure["time_to_first_session"]["note"] == "not available: no events from scheduling"
    assert by_measure["retention_90d"]["status"] != "not_available"


def test_tables_have_exactly_their_documented_columns(report: Report) -> None:
    for name, table in TABLES.items():
        rows = report.tables[name]
        assert rows, name
        for row in rows:
            assert list(row) == table.column_names, name
        parsed = list(csv.reader(io.StringIO(table_csv(table, rows))))
        assert parsed[0] == table.column_names
        assert len(parsed) == len(rows) + 1


def test_programs_needing_attention_name_the_threshold_and_its_setting(history: OrganizationHistory) -> None:
    quiet = history.programs[0]
    activity = dict(history.activity)
    activity[quiet.id] = replace(activity[quiet.id], sessions_held_28d=0, at_risk=30)
    closed = replace(history.programs[1], status="closed")
    activity[closed.id] = replace(activity[closed.id], sessions_held_28d=0)
    changed = replace(history, activity=activity, programs=[quiet, closed, *history.programs[2:]])
    report = build_report(changed, RULES, computed_at=NOW)
    reasons = {(row["program_id"], row["reason"]): row for row in report.tables[TableName.ATTENTION]}
    assert (quiet.id, "low_engagement") in reasons and (quiet.id, "at_risk") in reasons
    assert reasons[(quiet.id, "low_engagement")]["setting"] == "ATTENTION_MIN_ENGAGEMENT_RATIO"
    assert reasons[(quiet.id, "at_risk")]["threshold"] == 0.2
    assert not any(program_id == closed.id for program_id, _ in reasons)  # only live programs
    row = next(r for r in report.tables[TableName.PROGRAMS] if r["program_id"] == quiet.id)
    assert row["needs_attention"] and "low_engagement" in row["attention_reasons"]


def test_unfilled_capacity_and_mentor_overload(history: OrganizationHistory) -> None:
    program = history.programs[2]
    mentors = [e for e in history.enrollments if e.program_id == program.id and e.role == "mentor"]
    overloaded = [replace(mentors[0], capacity=0)]
    idle = [replace(e, capacity=50) for e in mentors[1:]]
    others = [e for e in history.enrollments if not (e.program_id == program.id and e.role == "mentor")]
    report = build_report(replace(history, enrollments=others + overloaded + idle), RULES, computed_at=NOW)
    reasons = {row["reason"] for row in report.tables[TableName.ATTENTION] if row["program_id"] == program.id}
    assert {"mentor_overload", "unfilled_capacity"} <= reasons


def test_repeated_programs_are_compared_cohort_over_cohort(report: Report) -> None:
    cohorts = report.tables[TableName.COHORTS]
    series = {row["series"] for row in cohorts}
    assert series == {
        f"{objective.value}:{objective.value.replace('_', ' ')}" for objective in ProgramObjective
    }
    for name in series:
        first, second = sorted((r for r in cohorts if r["series"] == name), key=lambda r: r["cohort_start"])
        assert first["previous_program_id"] is None and first["change"] is None
        assert second["previous_program_id"] == first["program_id"]
        if first["status"] == second["status"] == "ok":
            assert second["change"] == pytest.approx(second["value"] - first["value"], abs=2e-4)
            assert second["ci_low"] <= second["change"] <= second["ci_high"]


def test_a_trend_per_month(report: Report, history: OrganizationHistory) -> None:
    organization = [row for row in report.tables[TableName.TREND] if row["scope"] == "organization"]
    assert len(organization) == RULES.trend_months
    assert organization[-1]["month"] == history.as_of.replace(day=1)
    assert sum(row["mentees_enrolled"] for row in organization) > 0
    assert sum(row["participants_promoted"] for row in organization) > 0
    program = history.programs[-1]
    month = next(
        row
        for row in report.tables[TableName.TREND]
        if row["program_id"] == program.id and row["month"] == program.cohort_start.replace(day=1)
    )
    assert month["sessions_held"] == 12


def test_descriptive_measures_and_their_intervals(report: Report) -> None:
    by_measure = {f["measure"]: f for f in report.dashboard["outcomes"]}
    goals = by_measure["goals_completed"]
    assert goals["value"] == 0.5 and goals["how"]["groups"]["participants"] == 60 * 10
    assert goals["ci_low"] < 0.5 < goals["ci_high"]
    assert by_measure["nps"]["value"] == 25.0  # 200 promoters, 100 detractors of 400 answers
    assert by_measure["satisfaction"]["value"] == 4.0
    first_session = by_measure["time_to_first_session"]
    assert first_session["value"] == 15.0  # half the mentees: 3 days before their start + 12 after
    assert "censored" in first_session["note"]
    assert by_measure["match_rate"]["value"] == pytest.approx(0.5, abs=0.01)


def test_no_activity_means_no_rates_but_zero_counts() -> None:
    history = organization_history(people=300, participants=30, runs=1)
    history = replace(history, activity={p.id: ProgramActivity() for p in history.programs}, months={})
    report = build_report(history, RULES, computed_at=NOW)
    row = report.tables[TableName.PROGRAMS][0]
    assert row["sessions_held"] == 0 and row["goal_attainment"] is None and row["nps"] is None
