"""Goal attainment: the share of goals completed by their target date. Pure code: no I/O.

A goal counts as *due* once its target date has passed, or once it was completed by that date
(a goal done early is attained before it is due). Dropped goals and goals without a target date
are not due. Attainment = due goals completed by their target date / due goals (None when no goal
is due yet: no evidence is not the same as zero).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tally:
    goals: int = 0
    done: int = 0
    done_on_time: int = 0
    due: int = 0

    @property
    def attainment(self) -> float | None:
        return round(self.done_on_time / self.due, 4) if self.due else None


def breakdown(key: str, tally: Tally) -> dict[str, Any]:
    """One line of a report's breakdown (a guidance kind, a skill)."""
    return {
        "key": key,
        "goals": tally.goals,
        "done": tally.done,
        "done_on_time": tally.done_on_time,
        "due": tally.due,
        "attainment": tally.attainment,
    }
