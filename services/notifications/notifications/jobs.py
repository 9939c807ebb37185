"""Notifications' durable jobs (shared.jobs): digests that fell due, overdue feedback, goals whose
target date nears, and the
recovery of deliveries a worker left in `sending`. Sending itself is the dispatcher's loop."""

from __future__ import annotations

from notifications.config import NotificationsSettings
from notifications.personal_data import PERSONAL_DATA
from notifications.service.deliveries import recover_stuck
from notifications.service.digests import gather_due
from notifications.service.overdue import remind_goals, remind_overdue
from shared.clock import utcnow
from shared.db import transaction
from shared.jobs import Again, JobContext, Periodic, Task
from shared.runtime import Runtime


async def digests(runtime: Runtime, job: JobContext) -> Again | None:
    async with transaction(runtime.sessions) as session:
        queued = await gather_due(session, now=utcnow())
    return Again() if queued >= 1000 else None


async def overdue_feedback(runtime: Runtime, job: JobContext) -> Again | None:
    async with transaction(runtime.sessions) as session:
        reminded = await remind_overdue(session, now=utcnow())
    return Again() if reminded >= 500 else None


async def goal_deadlines(runtime: Runtime, job: JobContext) -> Again | None:
    async with transaction(runtime.sessions) as session:
        reminded = await remind_goals(session, now=utcnow())
    return Again() if reminded >= 500 else None


async def recovery(runtime: Runtime, job: JobContext) -> Again | None:
    async with transaction(runtime.sessions) as session:
        recovered = await recover_stuck(session, now=utcnow())
    return Again() if recovered >= 500 else None


def _digest_interval(settings: NotificationsSettings) -> float:
    return settings.digest_poll_seconds


def _overdue_interval(settings: NotificationsSettings) -> float:
    return settings.overdue_poll_seconds


def _recovery_interval(settings: NotificationsSettings) -> float:
    return settings.recovery_poll_seconds


PERIODIC = [
    Periodic("digests", digests, every=_digest_interval),
    Periodic("overdue-feedback", overdue_feedback, every=_overdue_interval),
    Periodic("recover-sending", recovery, every=_recovery_interval),
    Periodic("goal-deadlines", goal_deadlines, every=_overdue_interval),
    *PERSONAL_DATA.periodic(),
]
TASKS: list[Task] = [*PERSONAL_DATA.tasks()]
