"""Scheduling's durable jobs (shared.jobs): emitting due reminders, every `reminder_poll_seconds`.

Reminders are rows with a stored due time, so the job itself keeps no state: a round emits one
batch, and asks to run again at once while batches come back full.
"""

from __future__ import annotations

from scheduling.config import SchedulingSettings
from scheduling.personal_data import PERSONAL_DATA
from scheduling.service.reminders import emit_due_reminders
from shared.clock import utcnow
from shared.jobs import Again, JobContext, Periodic, Task
from shared.runtime import Runtime


def _settings(runtime: Runtime) -> SchedulingSettings:
    settings = runtime.settings
    assert isinstance(settings, SchedulingSettings)
    return settings


async def emit_reminders(runtime: Runtime, job: JobContext) -> Again | None:
    """One batch of due reminders; again at once when the batch was full (more are due)."""
    batch_size = _settings(runtime).reminder_batch_size
    _, claimed = await emit_due_reminders(runtime.sessions, now=utcnow(), batch_size=batch_size)
    return Again() if claimed >= batch_size else None


def _reminder_interval(settings: SchedulingSettings) -> float:
    return settings.reminder_poll_seconds


PERIODIC = [Periodic("reminders", emit_reminders, every=_reminder_interval)]
TASKS: list[Task] = [*PERSONAL_DATA.tasks()]
