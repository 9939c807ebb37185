"""Cohort over cohort: a program run again (the same name, give or take a year, season or cohort
number, and the same objective) compared with its previous run.

Pure code (no I/O). Each cohort's headline share is compared with the previous cohort's, with
Newcombe's interval of the change (two independent groups of people).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from feedback.outcomes.comparison import Status
from feedback.outcomes.estimators import newcombe

# Words that tell runs of one program apart rather than name it.
_RUN_WORDS = {
    "cohort", "edition", "intake", "batch", "wave", "round", "run", "class", "season",
    "spring", "summer", "autumn", "fall", "winter", "q", "h", "fy", "st", "nd", "rd", "th",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")


def series_key(name: str, objective: str | None) -> str:
    """What runs of one program share: their objective and their name without years, seasons or
    cohort numbers (`Onboarding 2025 - Spring` and `Onboarding 2026 spring cohort` are one series)."""
    words = [word for word in _WORD.findall(name.casefold()) if word not in _RUN_WORDS]
    return f"{objective or 'unknown'}:{' '.join(words)}"


@dataclass(frozen=True)
class CohortFigure:
    program_id: uuid.UUID
    program_name: str
    series: str
    cohort_start: date
    measure: str
    status: str
    size: int
    value: float | None  # a share (0..1)


@dataclass(frozen=True)
class CohortChange:
    figure: CohortFigure
    previous_program_id: uuid.UUID | None
    change: float | None
    ci_low: float | None
    ci_high: float | None


def cohort_changes(figures: Sequence[CohortFigure], *, confidence: float) -> list[CohortChange]:
    """For each series run at least twice: every run, and its change from the run before."""
    series: dict[tuple[str, str], list[CohortFigure]] = defaultdict(list)
    for figure in figures:
        series[(figure.series, figure.measure)].append(figure)
    changes = []
    for key in sorted(series):
        runs = sorted(series[key], key=lambda figure: (figure.cohort_start, str(figure.program_id)))
        if len(runs) < 2:
            continue
        previous: CohortFigure | None = None
        for run in runs:
            change = low = high = None
            if (
                previous is not None
                and run.status == Status.OK.value
                and previous.status == Status.OK.value
                and run.value is not None
                and previous.value is not None
            ):
                change, interval = newcombe(run.value, run.size, previous.value, previous.size, confidence)
                low, high = interval.low, interval.high
            changes.append(CohortChange(run, previous.program_id if previous else None, change, low, high))
            previous = run
    return changes
