"""What an import is and what it counts: its statuses, what each row came to, and the tally of a
batch added to the import's counters. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Per-row errors kept on an import (the count of failed rows is exact beyond it).
MAX_ERRORS = 1000


class ImportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED = frozenset({ImportStatus.SUCCEEDED.value, ImportStatus.FAILED.value})


class Outcome(StrEnum):
    """What one row came to."""

    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass
class Tally:
    """What a batch did, to add to the import's counters."""

    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    errors: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        for outcome, count in other.counts.items():
            self.counts[outcome] += count
        self.errors.extend(other.errors)

    def add(self, row: dict[str, Any], outcome: Outcome, errors: list[dict[str, str]]) -> None:
        """Count `row` (a parsed row: its number and values) with its outcome and errors."""
        self.counts[outcome] += 1
        if errors:
            self.errors.append(
                {"row": row["row"], "external_id": row["values"].get("external_id"), "errors": errors}
            )

    def errors_to_keep(self, *, kept_so_far: int) -> list[dict[str, Any]]:
        """The errors of this batch that still fit under `MAX_ERRORS`."""
        return self.errors[: max(MAX_ERRORS - kept_so_far, 0)]
