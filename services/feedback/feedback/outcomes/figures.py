"""The rows of the `outcomes` table: every measure of the catalog for the organization or one
program, with its value, interval, group sizes, period, definition and method.

Pure code (no I/O). Career measures compare participants with a matched comparison group
(`designs`, `comparison`); the others describe participants alone (`estimators`). Below the
minimum size a row says "not enough data" and carries no number; a measure built on a service
the organization has no events from says "not available".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from feedback.outcomes.careers import TENURE_LABELS, day_date
from feedback.outcomes.comparison import Status
from feedback.outcomes.context import MENTEE, ReportContext, ReportRules, Row, rounded
from feedback.outcomes.designs import Design, Participants, design
from feedback.outcomes.estimators import mean_interval, median_time_to_event, net_promoter, wilson
from feedback.outcomes.history import EnrollmentRecord, ProgramActivity, ProgramRecord
from feedback.outcomes.measures import CATALOG, Measure, MeasureSpec, Unit


def _comparison_method(rules: ReportRules, *, organization: bool) -> str:
    tenure = ", ".join(TENURE_LABELS)
    where = (
        "each participant counted once, from their first start, compared within the calendar quarter of it; "
        if organization
        else ""
    )
    return (
        f"{where}coarsened exact matching on department, seniority and tenure band ({tenure}) on each "
        "person's day; the comparison group is everyone active on the index day (the participants' median "
        "start) never enrolled in any program before the end of the horizon, reweighted to the "
        "participants' mix of strata (participants without a comparable non-participant are left out); "
        f"difference with Newcombe's hybrid score interval at {rules.confidence:.0%}, the comparison side "
        f"at its effective size; no figure below {rules.min_size} people on either side"
    )


# What each descriptive share counts.
_COUNTED = {
    Measure.MATCH_RATE: "mentees",
    Measure.GOALS_COMPLETED: "goals",
    Measure.TRAINING_COMPLETION: "assignments",
}


def _method(spec: MeasureSpec, rules: ReportRules, *, organization: bool) -> str:
    """How a figure of `spec` and its interval are computed (quoted by every figure)."""
    level = f"{rules.confidence:.0%}"
    if spec.compared:
        return _comparison_method(rules, organization=organization)
    if spec.unit is Unit.DAYS:
        return (
            "Kaplan-Meier median over mentee enrollments (scipy.stats.ecdf; no session yet: censored at "
            "the period's end or when they left the program); the interval is where the survival "
            f"function's {level} band crosses one half; no figure below {rules.min_size} mentees"
        )
    if spec.unit is Unit.SCORE:
        return f"mean with Student's t interval at {level}; no figure below {rules.min_size} answers"
    if spec.unit is Unit.NPS:
        return (
            "% promoters minus % detractors, with the normal interval of a difference of two shares of one "
            f"sample at {level}; no figure below {rules.min_size} answers"
        )
    counted = _COUNTED.get(spec.measure, "people")
    return (
        f"share of {counted} with the Wilson score interval at {level}; "
        f"no figure below {rules.min_size} {counted}"
    )


def _base_row(
    scope: str, program: ProgramRecord | None, spec: MeasureSpec, rules: ReportRules, *, headline: bool
) -> Row:
    return {
        "scope": scope,
        "program_id": program.id if program else None,
        "program_name": program.name if program else None,
        "objective": program.objective if program else None,
        "measure": spec.measure.value,
        "label": spec.label,
        "headline": headline,
        "unit": spec.unit.value,
        "definition": spec.definition,
        "method": _method(spec, rules, organization=program is None),
        "source": spec.source,
    }


def _not_available(row: Row, spec: MeasureSpec) -> Row:
    return {
        **row,
        "status": Status.NOT_AVAILABLE.value,
        "note": f"not available: no events from {spec.source}",
    }


def _share_row(
    row: Row, successes: int, total: int, rules: ReportRules, *, what: str, period: tuple[date, date]
) -> Row:
    row = {
        **row,
        "participants": total,
        "period_start": period[0],
        "period_end": period[1],
        "confidence": rules.confidence,
    }
    if total < rules.min_size:
        return {**row, "status": Status.NOT_ENOUGH_DATA.value, "note": f"not enough data: {total} {what}"}
    share = successes / total
    interval = wilson(share, total, rules.confidence)
    return {
        **row,
        "status": Status.OK.value,
        "value": rounded(share),
        "ci_low": rounded(interval.low),
        "ci_high": rounded(interval.high),
    }


def career_rows(
    context: ReportContext,
    scope: str,
    program: ProgramRecord | None,
    participants: Participants,
    featured: Iterable[Measure],
) -> tuple[list[Row], dict[int, Design]]:
    rules, careers = context.rules, context.careers
    featured = set(featured)
    designs: dict[int, Design] = {}
    rows = []
    for spec in CATALOG.values():
        if not spec.compared or spec.horizon_days is None or spec.career is None:
            continue
        row = _base_row(scope, program, spec, rules, headline=spec.measure in featured)
        if not context.available(spec.source):
            rows.append(_not_available(row, spec))
            continue
        horizon = spec.horizon_days
        if horizon not in designs:
            designs[horizon] = design(
                careers,
                participants,
                horizon=horizon,
                first_enrolled=context.first_enrolled,
                as_of=context.as_of_day,
            )
        figure = designs[horizon].compare(
            careers, spec.career, min_size=rules.min_size, confidence=rules.confidence
        )
        result = figure.comparison
        note = result.note
        if designs[horizon].participants.persons.size == 0 and participants.persons.size:
            note = f"not enough data: no participant has been followed for {horizon} days yet"
        rows.append(
            {
                **row,
                "status": result.status.value,
                "note": note,
                "value": rounded(result.participants_rate),
                "comparison_value": rounded(result.comparison_rate),
                "difference": rounded(result.difference),
                "ci_low": rounded(result.interval.low if result.interval else None),
                "ci_high": rounded(result.interval.high if result.interval else None),
                "confidence": rules.confidence,
                "participants": result.participants,
                "comparison": result.comparison,
                "comparison_effective": result.comparison_effective,
                "unmatched_participants": result.unmatched_participants,
                "strata": result.strata,
                "period_start": day_date(figure.first_start) if figure.first_start is not None else None,
                "period_end": day_date(figure.last_end) if figure.last_end is not None else None,
            }
        )
    return rows, designs


def _first_session_row(
    context: ReportContext, row: Row, enrollments: Sequence[EnrollmentRecord], period: tuple[date, date]
) -> Row:
    rules = context.rules
    durations, observed = [], []
    for e in enrollments:
        first = context.history.first_sessions.get((e.program_id, e.person_id))
        if first is not None:
            durations.append(max(first - e.enrolled_day, 0))
            observed.append(True)
        else:
            end = min(e.left_day if e.left_day is not None else context.as_of_day, context.as_of_day)
            durations.append(max(end - e.enrolled_day, 0))
            observed.append(False)
    row = {
        **row,
        "participants": len(durations),
        "period_start": period[0],
        "period_end": period[1],
        "confidence": rules.confidence,
    }
    if len(durations) < rules.min_size:
        return {
            **row,
            "status": Status.NOT_ENOUGH_DATA.value,
            "note": f"not enough data: {len(durations)} mentees",
        }
    median = median_time_to_event(durations, observed, rules.confidence)
    if median.median is None:
        return {
            **row,
            "status": Status.NOT_ENOUGH_DATA.value,
            "note": "not enough data: fewer than half of the mentees have had a first session "
            f"({median.events} of {len(durations)})",
        }
    return {
        **row,
        "status": Status.OK.value,
        "value": rounded(median.median, 1),
        "ci_low": rounded(median.low, 1),
        "ci_high": rounded(median.high, 1),
        "note": f"{median.censored} mentees without a first session yet (censored)"
        if median.censored
        else None,
    }


def _answers_rows(
    context: ReportContext,
    scope: str,
    program: ProgramRecord | None,
    activity: ProgramActivity,
    featured: set[Measure],
    period: tuple[date, date],
) -> list[Row]:
    rules = context.rules
    rows = []
    spec = CATALOG[Measure.SATISFACTION]
    row = {
        **_base_row(scope, program, spec, rules, headline=spec.measure in featured),
        "participants": activity.satisfaction_count,
        "period_start": period[0],
        "period_end": period[1],
        "confidence": rules.confidence,
    }
    if not context.available(spec.source):
        rows.append(_not_available(row, spec))
    elif activity.satisfaction_count < rules.min_size:
        rows.append(
            {
                **row,
                "status": Status.NOT_ENOUGH_DATA.value,
                "note": f"not enough data: {activity.satisfaction_count} answers",
            }
        )
    else:
        mean, interval = mean_interval(
            activity.satisfaction_sum,
            activity.satisfaction_squares,
            activity.satisfaction_count,
            rules.confidence,
        )
        rows.append(
            {
                **row,
                "status": Status.OK.value,
                "value": rounded(mean, 2),
                "ci_low": rounded(interval.low, 2) if interval else None,
                "ci_high": rounded(interval.high, 2) if interval else None,
            }
        )
    spec = CATALOG[Measure.NPS]
    answers = activity.promoters + activity.passives + activity.detractors
    row = {
        **_base_row(scope, program, spec, rules, headline=spec.measure in featured),
        "participants": answers,
        "period_start": period[0],
        "period_end": period[1],
        "confidence": rules.confidence,
    }
    if not context.available(spec.source):
        rows.append(_not_available(row, spec))
    elif answers < rules.min_size:
        rows.append(
            {**row, "status": Status.NOT_ENOUGH_DATA.value, "note": f"not enough data: {answers} answers"}
        )
    else:
        score, interval = net_promoter(
            activity.promoters, activity.passives, activity.detractors, rules.confidence
        )
        rows.append(
            {
                **row,
                "status": Status.OK.value,
                "value": rounded(score, 1),
                "ci_low": rounded(interval.low, 1),
                "ci_high": rounded(interval.high, 1),
            }
        )
    return rows


def descriptive_rows(
    context: ReportContext,
    scope: str,
    program: ProgramRecord | None,
    *,
    enrollments: Sequence[EnrollmentRecord],
    matched: set[uuid.UUID],
    activity: ProgramActivity,
    featured: set[Measure],
    period: tuple[date, date],
) -> list[Row]:
    rules = context.rules
    rows = []
    mentee_enrollments = [e for e in enrollments if e.role == MENTEE]
    mentees = {e.person_id for e in mentee_enrollments}

    spec = CATALOG[Measure.MATCH_RATE]
    row = _base_row(scope, program, spec, rules, headline=spec.measure in featured)
    rows.append(
        _share_row(row, len(mentees & matched), len(mentees), rules, what="mentees", period=period)
        if context.available(spec.source)
        else _not_available(row, spec)
    )
    spec = CATALOG[Measure.TIME_TO_FIRST_SESSION]
    row = _base_row(scope, program, spec, rules, headline=spec.measure in featured)
    rows.append(
        _first_session_row(context, row, mentee_enrollments, period)
        if context.available(spec.source)
        else _not_available(row, spec)
    )
    for measure, done, total, what in (
        (Measure.GOALS_COMPLETED, activity.goals_done, activity.goals_set, "goals"),
        (Measure.TRAINING_COMPLETION, activity.training_completed, activity.training_assigned, "assignments"),
    ):
        spec = CATALOG[measure]
        row = _base_row(scope, program, spec, rules, headline=measure in featured)
        rows.append(
            _share_row(row, done, total, rules, what=what, period=period)
            if context.available(spec.source)
            else _not_available(row, spec)
        )
    rows += _answers_rows(context, scope, program, activity, featured, period)
    return rows
