"""Forms, answers, analytics figures, CSV and chart rendering as pure functions."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback import analytics, cadence
from feedback.charts import health_chart
from feedback.export import analytics_csv
from feedback.forms import (
    DEFAULT_CHECKIN_FORM,
    SESSION_FORM,
    InvalidAnswers,
    Metric,
    Question,
    TextAnswer,
    form_problems,
    questions_for,
    validate_answers,
)
from shared.contracts.feedback import ParticipantRole


def test_the_mentee_is_asked_to_rate_the_mentor_and_the_mentor_is_not() -> None:
    mentee = {q.id for q in questions_for(SESSION_FORM, ParticipantRole.MENTEE)}
    mentor = {q.id for q in questions_for(SESSION_FORM, ParticipantRole.MENTOR)}
    assert "mentor_rating" in mentee and "mentor_rating" not in mentor
    assert {"rating", "goal_progress", "what_helped", "notes"} <= mentor


def test_answers_split_numbers_feeding_metrics_from_text() -> None:
    answers = validate_answers(
        DEFAULT_CHECKIN_FORM,
        {"satisfaction": 4, "nps": 9, "notes": TextAnswer(text="  going well ", private=True)},
    )
    assert answers.scores == {"satisfaction": 4, "nps": 9}
    assert answers.metrics == {Metric.SATISFACTION: 4, Metric.NPS: 9}
    assert [(t.question_id, t.text, t.private) for t in answers.texts] == [("notes", "going well", True)]


def test_every_problem_with_the_answers_is_reported_at_once() -> None:
    with pytest.raises(InvalidAnswers) as refused:
        validate_answers(DEFAULT_CHECKIN_FORM, {"nps": 11, "goal_progress": TextAnswer(text="x"), "mood": 3})
    kinds = {(e["field"], e["type"]) for e in refused.value.errors}
    assert kinds == {
        ("body.answers.mood", "unknown_question"),
        ("body.answers.nps", "out_of_range"),
        ("body.answers.goal_progress", "number_expected"),
        ("body.answers.satisfaction", "missing"),
    }


@given(st.integers(-20, 20))
def test_scale_answers_are_accepted_exactly_from_1_to_5(value: int) -> None:
    form = [Question(id="q", kind="scale", prompt="?")]
    if 1 <= value <= 5:
        assert validate_answers(form, {"q": value}).scores == {"q": value}
    else:
        with pytest.raises(InvalidAnswers):
            validate_answers(form, {"q": value})


def test_a_form_may_feed_each_metric_once_and_needs_a_question() -> None:
    twice = [
        Question(id="a", kind="scale", prompt="?", metric=Metric.GOAL_PROGRESS),
        Question(id="b", kind="scale", prompt="?", metric=Metric.GOAL_PROGRESS),
    ]
    assert form_problems(twice) == ["only one question may feed goal_progress: a, b"]
    assert form_problems([]) == ["a form needs at least one question"]
    assert form_problems(DEFAULT_CHECKIN_FORM) == []
    with pytest.raises(ValueError):
        Question(id="c", kind="nps", prompt="?", metric=Metric.RATING)


def test_net_promoter_score_is_promoters_minus_detractors_in_percent() -> None:
    assert analytics.net_promoter_score(6, 2, 2) == 40.0
    assert analytics.net_promoter_score(0, 0, 0) is None


def test_check_in_periods_and_weeks() -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a Monday
    assert cadence.checkin_period(start, start + timedelta(days=13), 7) == 1
    assert cadence.checkin_period(start, start + timedelta(days=14), 7) == 2
    assert cadence.checkin_opens_at(start, 2, 7) == start + timedelta(days=14)
    assert cadence.week_start(date(2026, 1, 11)) == date(2026, 1, 5)
    assert cadence.weeks(date(2026, 1, 7), date(2026, 1, 19)) == [
        date(2026, 1, 5),
        date(2026, 1, 12),
        date(2026, 1, 19),
    ]


def _weeks() -> list[dict[str, object]]:
    counts = [
        analytics.WeekCounts(
            week_start=date(2026, 1, 5),
            rollup={
                "sessions_held": 3,
                "rating_sum": 9,
                "rating_count": 2,
                "health_sum": 150,
                "health_count": 2,
            },
            active_matches=4,
            at_risk=1,
            mentors=2,
        ),
        analytics.WeekCounts(week_start=date(2026, 1, 12), active_matches=0),
    ]
    return [analytics.week_row(week, session_cadence_days=14) for week in counts]


def test_week_rows_average_what_was_counted_and_leave_the_rest_empty() -> None:
    first, empty = _weeks()
    assert first["average_rating"] == 4.5 and first["sessions_planned"] == 2.0
    assert first["average_health"] == 75.0 and first["mentor_load"] == 2.0
    assert empty["average_rating"] is None and empty["nps"] is None and empty["mentor_load"] is None


def test_csv_export_has_one_row_per_week_and_empty_cells_for_missing_figures() -> None:
    rows = list(csv.DictReader(io.StringIO(analytics_csv(_weeks()))))
    assert [row["week_start"] for row in rows] == ["2026-01-05", "2026-01-12"]
    assert rows[1]["average_rating"] == "" and rows[0]["average_rating"] == "4.5"


def test_the_health_chart_is_an_svg_with_its_series() -> None:
    svg = health_chart("Applied ML <mentoring> & co", _weeks(), threshold=50)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "average health" in svg and "% at risk" in svg and "Applied ML &lt;mentoring&gt;" in svg


def test_the_health_chart_carries_no_script_and_references_nothing_outside() -> None:
    svg = health_chart("Applied ML", _weeks(), threshold=50)
    elements = list(ET.fromstring(svg).iter())
    assert not [element for element in elements if element.tag.rsplit("}", 1)[-1] == "script"]
    references = [
        value
        for element in elements
        for name, value in element.attrib.items()
        if name.rsplit("}", 1)[-1] in ("href", "src")
    ]
    assert all(value.startswith("#") for value in references), references
    assert "<script" not in svg and "javascript" not in svg.lower()


spans = st.lists(
    st.tuples(st.integers(0, 20), st.one_of(st.none(), st.integers(0, 20))).map(
        lambda span: (span[0], None if span[1] is None else max(span))
    ),
    max_size=30,
)


@given(spans)
def test_weekly_span_counts_equal_counting_every_span_in_every_week(
    week_spans: list[tuple[int, int | None]],
) -> None:
    """Spans given in whole weeks from a Monday: (began, ended or None)."""
    monday = date(2026, 1, 5)
    weeks = [monday + timedelta(weeks=n) for n in range(5, 15)]
    began: dict[date, int] = {}
    ended: dict[date, int] = {}
    for start, end in week_spans:
        began[monday + timedelta(weeks=start)] = began.get(monday + timedelta(weeks=start), 0) + 1
        if end is not None:
            ended[monday + timedelta(weeks=end)] = ended.get(monday + timedelta(weeks=end), 0) + 1
    overlapping = analytics.overlapping(weeks, began, ended)
    open_at_end = analytics.open_at_week_end(weeks, began, ended)
    for week in weeks:
        n = (week - monday).days // 7
        assert overlapping[week] == sum(1 for s, e in week_spans if s <= n and (e is None or e >= n))
        assert open_at_end[week] == sum(1 for s, e in week_spans if s <= n and (e is None or e > n))
