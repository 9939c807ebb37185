"""Program analytics from weekly sums: averages, NPS, sessions planned, mentor load.

Pure code (no I/O): the database hands over per-week sums and counts, this turns them into the
figures an admin reads, week by week and for the whole cohort.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

Document = dict[str, Any]

ROLLUP_FIELDS: tuple[str, ...] = (
    "sessions_held",
    "sessions_no_show",
    "sessions_canceled",
    "submissions",
    "rating_sum",
    "rating_count",
    "mentor_rating_sum",
    "mentor_rating_count",
    "goal_progress_sum",
    "goal_progress_count",
    "satisfaction_sum",
    "satisfaction_count",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "health_sum",
    "health_count",
)


@dataclass(frozen=True)
class WeekCounts:
    """Everything known about one week of a program."""

    week_start: date
    rollup: Mapping[str, float] = field(default_factory=dict)
    active_matches: int = 0
    waitlisted_mentees: int = 0
    at_risk: int = 0
    mentors: int = 0
    # Course assignments (training) made, and completed, by the end of the week (of those not
    # closed); overdue ones are known as of now only, so only the last week has them.
    training_assigned: int = 0
    training_completed: int = 0
    training_overdue: int | None = None


def overlapping(
    weeks: Sequence[date], began: Mapping[date, int], ended: Mapping[date, int]
) -> dict[date, int]:
    """How many spans overlap each week, from how many began and ended in each week: those begun
    by the end of the week, less those ended before it began. Weeks before `weeks` count too."""
    counts = {}
    for week in weeks:
        begun_by_end = sum(n for w, n in began.items() if w <= week)
        ended_before = sum(n for w, n in ended.items() if w < week)
        counts[week] = begun_by_end - ended_before
    return counts


def open_at_week_end(
    weeks: Sequence[date], began: Mapping[date, int], ended: Mapping[date, int]
) -> dict[date, int]:
    """How many spans are still open at the end of each week (begun by then, not ended by then)."""
    counts = {}
    for week in weeks:
        begun_by_end = sum(n for w, n in began.items() if w <= week)
        ended_by_end = sum(n for w, n in ended.items() if w <= week)
        counts[week] = begun_by_end - ended_by_end
    return counts


def average(total: float, count: float, digits: int = 2) -> float | None:
    return round(total / count, digits) if count else None


def net_promoter_score(promoters: float, passives: float, detractors: float) -> float | None:
    """NPS: % promoters (9-10) minus % detractors (0-6), from -100 to 100; None without answers."""
    answers = promoters + passives + detractors
    if not answers:
        return None
    return round(100.0 * (promoters - detractors) / answers, 1)


def sessions_planned(active_matches: int, session_cadence_days: int) -> float:
    """Sessions a week of `active_matches` plans at the program's cadence."""
    return round(active_matches * 7 / session_cadence_days, 1)


def week_row(week: WeekCounts, *, session_cadence_days: int) -> Document:
    r = {name: week.rollup.get(name, 0) for name in ROLLUP_FIELDS}
    return {
        "week_start": week.week_start,
        "active_matches": week.active_matches,
        "waitlisted_mentees": week.waitlisted_mentees,
        "sessions_held": int(r["sessions_held"]),
        "sessions_planned": sessions_planned(week.active_matches, session_cadence_days),
        "sessions_no_show": int(r["sessions_no_show"]),
        "sessions_canceled": int(r["sessions_canceled"]),
        "submissions": int(r["submissions"]),
        "average_rating": average(r["rating_sum"], r["rating_count"]),
        "average_mentor_rating": average(r["mentor_rating_sum"], r["mentor_rating_count"]),
        "goal_progress": average(r["goal_progress_sum"], r["goal_progress_count"]),
        "satisfaction": average(r["satisfaction_sum"], r["satisfaction_count"]),
        "nps": net_promoter_score(r["nps_promoters"], r["nps_passives"], r["nps_detractors"]),
        "nps_responses": int(r["nps_promoters"] + r["nps_passives"] + r["nps_detractors"]),
        "at_risk": week.at_risk,
        "average_health": average(r["health_sum"], r["health_count"], 1),
        "mentors": week.mentors,
        "mentor_load": average(week.active_matches, week.mentors),
        "training_assigned": week.training_assigned,
        "training_completed": week.training_completed,
        "training_overdue": week.training_overdue,
    }


def cohort_totals(weeks: Sequence[WeekCounts]) -> dict[str, float]:
    """The rollup sums over every week of the cohort."""
    totals = dict.fromkeys(ROLLUP_FIELDS, 0.0)
    for week in weeks:
        for name in ROLLUP_FIELDS:
            totals[name] += float(week.rollup.get(name, 0))
    return totals


def summary(
    weeks: Sequence[WeekCounts],
    rows: Sequence[Document],
    *,
    active_matches: int,
    waitlisted_mentees: int,
    at_risk: int,
    overdue_requests: int,
    mentor_load: Document,
) -> Document:
    """The cohort at a glance: current counts, and cohort-wide averages of the weekly sums."""
    totals = cohort_totals(weeks)
    latest_health = next(
        (row["average_health"] for row in reversed(rows) if row["average_health"] is not None), None
    )
    return {
        "active_matches": active_matches,
        "waitlisted_mentees": waitlisted_mentees,
        "at_risk": at_risk,
        "overdue_requests": overdue_requests,
        "sessions_held": int(totals["sessions_held"]),
        "sessions_planned": round(sum(row["sessions_planned"] for row in rows), 1),
        "average_rating": average(totals["rating_sum"], totals["rating_count"]),
        "nps": net_promoter_score(totals["nps_promoters"], totals["nps_passives"], totals["nps_detractors"]),
        "goal_progress": average(totals["goal_progress_sum"], totals["goal_progress_count"]),
        "average_health": latest_health,
        "mentor_load": mentor_load,
    }


def training(assigned: int, completed: int, overdue: int) -> Document:
    """The program's course assignments now (training), beside its matches and sessions."""
    return {
        "assigned": assigned,
        "completed": completed,
        "overdue": overdue,
        "completion_rate": average(completed, assigned, 4),
    }


def goal_attainment(*, objective: str | None, goals: int, done: int, done_on_time: int, due: int) -> Document:
    """Goal attainment (workspace's goals): the share of due goals completed by their target date.

    A goal is due once its target date has passed, or once it was completed by that date (a goal
    done early is attained before it is due); dropped goals and goals without a target date are
    never due. None while no goal is due: no evidence is not zero.
    """
    return {
        "objective": objective,
        "goals": goals,
        "done": done,
        "done_on_time": done_on_time,
        "due": due,
        "attainment": average(done_on_time, due, 4),
    }


def mentor_load(loads: Sequence[tuple[int, int]]) -> Document:
    """Load of the program's mentors from (active matches, capacity) per mentor."""
    capacity = sum(cap for _, cap in loads)
    active = sum(matches for matches, _ in loads)
    return {
        "mentors": len(loads),
        "capacity": capacity,
        "active_matches": active,
        "utilization": average(active, capacity),
        "at_capacity": sum(1 for matches, cap in loads if cap > 0 and matches >= cap),
    }


CSV_COLUMNS: tuple[str, ...] = (
    "week_start",
    "active_matches",
    "waitlisted_mentees",
    "sessions_held",
    "sessions_planned",
    "sessions_no_show",
    "sessions_canceled",
    "submissions",
    "average_rating",
    "average_mentor_rating",
    "goal_progress",
    "satisfaction",
    "nps",
    "nps_responses",
    "at_risk",
    "average_health",
    "mentors",
    "mentor_load",
    "training_assigned",
    "training_completed",
    "training_overdue",
)
