"""Who is compared with whom, from when: the study design behind each career figure.

Pure code (no I/O, numpy). For a yes/no career outcome over a horizon (stayed, promoted, moved,
a skill rose):

- participants count from their start day, if they were active then and the whole horizon has
  passed by the report's day (a follow-up still running is not a zero);
- participants are compared in periods (one program: one period; the whole organization: the
  quarter they started in); the comparison group of a period is everyone active on the period's
  index day (the participants' median start) who never enrolled in any program, in any role,
  before the end of the horizon; their outcome runs over the same horizon from the index day;
- both sides are stratified by period, department, seniority and tenure band on their own day, and
  compared with `comparison.compare`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from feedback.outcomes.careers import Careers
from feedback.outcomes.comparison import Comparison, compare
from feedback.outcomes.measures import Career

NEVER = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Participants:
    """People taking part (person numbers in `Careers`), their start days and comparison periods."""

    persons: np.ndarray
    starts: np.ndarray
    periods: np.ndarray  # small integers; participants of one period share a comparison group

    @classmethod
    def of(cls, persons: np.ndarray, starts: np.ndarray, periods: np.ndarray | None = None) -> Participants:
        persons = np.asarray(persons, dtype=np.int64)
        return cls(
            persons=persons,
            starts=np.asarray(starts, dtype=np.int64),
            periods=np.zeros(persons.size, dtype=np.int64) if periods is None else np.asarray(periods),
        )

    def eligible(self, careers: Careers, *, horizon: int, as_of: int) -> Participants:
        """Those followed for the whole horizon who were active on their start day."""
        keep = (self.persons >= 0) & (self.starts + horizon <= as_of)
        keep[keep] &= careers.active_at(self.persons[keep], self.starts[keep])
        return Participants(self.persons[keep], self.starts[keep], self.periods[keep])


@dataclass(frozen=True)
class CareerFigure:
    comparison: Comparison
    first_start: int | None  # the figure covers starts from this day ...
    last_end: int | None  # ... followed until this day


def strata(careers: Careers, persons: np.ndarray, days: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Stratum codes: period x department x seniority x tenure band, each on the person's day."""
    rows = careers.rows_at(persons, days)
    safe = np.maximum(rows, 0)
    department = np.where(rows >= 0, careers.row_department[safe], 0).astype(np.int64)
    seniority = np.where(rows >= 0, careers.row_seniority[safe], -1).astype(np.int64) + 1
    tenure = careers.tenure_band(persons, days).astype(np.int64)
    departments = len(careers.departments) + 1
    return ((np.asarray(periods, dtype=np.int64) * departments + department) * 16 + seniority) * 8 + tenure


@dataclass(frozen=True)
class Design:
    """Both sides of a comparison over one horizon: who, from which day, in which stratum."""

    horizon: int
    participants: Participants  # the eligible ones
    participant_strata: np.ndarray
    comparison_persons: np.ndarray
    comparison_days: np.ndarray
    comparison_strata: np.ndarray

    def compare(self, careers: Careers, career: Career, *, min_size: int, confidence: float) -> CareerFigure:
        """Participants' share with the outcome against their matched comparison group's."""
        comparison = compare(
            participant_strata=self.participant_strata,
            participant_outcome=careers.outcome(
                career, self.participants.persons, self.participants.starts, self.horizon
            ),
            comparison_strata=self.comparison_strata,
            comparison_outcome=careers.outcome(
                career, self.comparison_persons, self.comparison_days, self.horizon
            ),
            min_size=min_size,
            confidence=confidence,
        )
        starts = self.participants.starts
        if starts.size == 0:
            return CareerFigure(comparison, None, None)
        return CareerFigure(comparison, int(starts.min()), int(starts.max()) + self.horizon)


def design(
    careers: Careers, participants: Participants, *, horizon: int, first_enrolled: np.ndarray, as_of: int
) -> Design:
    """The comparison design of `participants` over `horizon` days as of day `as_of`.

    `first_enrolled` is each person's first enrollment day in any program and role (NEVER if none).
    """
    eligible = participants.eligible(careers, horizon=horizon, as_of=as_of)
    everyone = np.arange(careers.size, dtype=np.int64)
    outsiders = np.ones(careers.size, dtype=bool)
    outsiders[participants.persons[participants.persons >= 0]] = False
    persons, days, periods = [], [], []
    for period in np.unique(eligible.periods):
        index_day = int(np.median(eligible.starts[eligible.periods == period]))
        candidates = everyone[outsiders & (first_enrolled > index_day + horizon)]
        candidates = candidates[careers.active_at(candidates, np.full(candidates.size, index_day))]
        persons.append(candidates)
        days.append(np.full(candidates.size, index_day, dtype=np.int64))
        periods.append(np.full(candidates.size, period, dtype=np.int64))
    empty = np.empty(0, dtype=np.int64)
    comparison_persons = np.concatenate(persons) if persons else empty
    comparison_days = np.concatenate(days) if days else empty
    comparison_periods = np.concatenate(periods) if periods else empty
    # Dense stratum codes (0, 1, ...), once per design: each comparison then only counts.
    both = np.concatenate(
        [
            strata(careers, eligible.persons, eligible.starts, eligible.periods),
            strata(careers, comparison_persons, comparison_days, comparison_periods),
        ]
    )
    dense = np.unique(both, return_inverse=True)[1].reshape(-1)
    return Design(
        horizon=horizon,
        participants=eligible,
        participant_strata=dense[: eligible.persons.size],
        comparison_persons=comparison_persons,
        comparison_days=comparison_days,
        comparison_strata=dense[eligible.persons.size :],
    )
