"""The rows of the `trend` table: per calendar month (UTC), for the organization or one program,
activity and what happened to participants.

Pure code (no I/O, numpy): months are counted with `bincount` over month numbers, so a trend costs
the same whatever the number of people.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from feedback.outcomes.careers import DAY_SPAN, DEPARTED, Careers
from feedback.outcomes.context import MENTEE, ReportContext, Row, rounded
from feedback.outcomes.designs import Participants
from feedback.outcomes.history import MonthActivity, ProgramRecord
from feedback.outcomes.measures import Career

EPOCH_MONTH = np.datetime64("1970-01", "M")


def month_numbers(days: np.ndarray) -> np.ndarray:
    """Months since January 1970 of days since 1970-01-01."""
    return (np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]") - EPOCH_MONTH).astype(np.int64)


def _month_number(month: date) -> int:
    return (month.year - 1970) * 12 + month.month - 1


class Events:
    """Departures and promotions as (person, day) arrays, for counting per month."""

    def __init__(self, careers: Careers) -> None:
        self.people = careers.size
        self.by_kind = {
            name: (keys // DAY_SPAN, keys % DAY_SPAN)
            for name, keys in (
                ("participants_left", careers.events[DEPARTED]),
                ("participants_promoted", careers.events[Career.PROMOTED.value]),
            )
        }


def trend_rows(
    context: ReportContext,
    scope: str,
    program: ProgramRecord | None,
    *,
    months: list[date],
    programs: Sequence[ProgramRecord],
    participants: Participants,
    events: Events,
) -> list[Row]:
    """One row per month of `months` for `programs` together (one program, or all of them)."""
    first = _month_number(months[0])
    size = len(months)

    def count(days: Sequence[int] | np.ndarray) -> np.ndarray:
        numbers = month_numbers(np.asarray(days, dtype=np.int64)) - first
        return np.bincount(numbers[(numbers >= 0) & (numbers < size)], minlength=size)

    ids = {p.id for p in programs}
    sums = [MonthActivity() for _ in months]
    for (program_id, month), activity in context.history.months.items():
        index = _month_number(month) - first
        if program_id in ids and 0 <= index < size:
            total = sums[index]
            for name in vars(activity):
                setattr(total, name, getattr(total, name) + getattr(activity, name))
    counts = {
        "matches_started": count(
            [m.started_day for p in ids for m in context.matches[p] if m.started_day is not None]
        ),
        "mentees_enrolled": count(
            [e.enrolled_day for p in ids for e in context.enrollments[p] if e.role == MENTEE]
        ),
    }
    # Participants' departures and promotions after their start.
    start_of = np.full(events.people, np.iinfo(np.int64).max, dtype=np.int64)
    known = participants.persons >= 0
    np.minimum.at(start_of, participants.persons[known], participants.starts[known])
    for name, (persons, days) in events.by_kind.items():
        counts[name] = count(days[days > start_of[persons]])
    rows = []
    for index, month in enumerate(months):
        activity = sums[index]
        answers = activity.promoters + activity.passives + activity.detractors
        rows.append(
            {
                "month": month,
                "scope": scope,
                "program_id": program.id if program else None,
                "program_name": program.name if program else None,
                "sessions_held": activity.sessions_held,
                **{name: int(values[index]) for name, values in counts.items()},
                "goals_completed": activity.goals_completed,
                "trainings_completed": activity.trainings_completed,
                "satisfaction_average": rounded(
                    activity.satisfaction_sum / activity.satisfaction_count
                    if activity.satisfaction_count
                    else None,
                    2,
                ),
                "satisfaction_responses": activity.satisfaction_count,
                "nps": rounded(
                    100 * (activity.promoters - activity.detractors) / answers if answers else None, 1
                ),
                "nps_responses": answers,
            }
        )
    return rows
