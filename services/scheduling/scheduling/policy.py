"""An organization's scheduling policy: the rules slots and bookings follow, with their defaults.

Admins change it through the API; an organization that never did gets `DEFAULT_POLICY`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from scheduling.slots import SlotRules


@dataclass(frozen=True)
class SchedulingPolicy:
    # Video sessions get their meeting link from this template (`{session_id}` and friends).
    meeting_url_template: str | None = None
    buffer_minutes: int = 10
    minimum_notice_minutes: int = 12 * 60
    horizon_days: int = 60
    slot_grid_minutes: int = 15
    reminder_minutes_before: tuple[int, ...] = field(default=(24 * 60, 60))
    # A match counts as having missed its cadence this many days after a session was due.
    cadence_grace_days: int = 2
    version: int = 0

    def slot_rules(self, *, session_minutes: int) -> SlotRules:
        return SlotRules(
            length=timedelta(minutes=session_minutes),
            grid=timedelta(minutes=self.slot_grid_minutes),
            buffer=timedelta(minutes=self.buffer_minutes),
            minimum_notice=timedelta(minutes=self.minimum_notice_minutes),
            horizon=timedelta(days=self.horizon_days),
        )

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    @classmethod
    def from_row(cls, row: Any) -> SchedulingPolicy:
        return cls(
            meeting_url_template=row.meeting_url_template,
            buffer_minutes=row.buffer_minutes,
            minimum_notice_minutes=row.minimum_notice_minutes,
            horizon_days=row.horizon_days,
            slot_grid_minutes=row.slot_grid_minutes,
            reminder_minutes_before=tuple(row.reminder_minutes_before),
            cadence_grace_days=row.cadence_grace_days,
            version=row.version,
        )

    def document(self) -> dict[str, Any]:
        return {
            "meeting_url_template": self.meeting_url_template,
            "buffer_minutes": self.buffer_minutes,
            "minimum_notice_minutes": self.minimum_notice_minutes,
            "horizon_days": self.horizon_days,
            "slot_grid_minutes": self.slot_grid_minutes,
            "reminder_minutes_before": list(self.reminder_minutes_before),
            "cadence_grace_days": self.cadence_grace_days,
            "version": self.version,
        }


DEFAULT_POLICY = SchedulingPolicy()
