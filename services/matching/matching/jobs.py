"""Periodic work of the matching worker, on the shared durable job runner: the match lifecycle
(expire overdue requests and proposals, activate accepted matches whose cohort started)."""

from __future__ import annotations

from typing import Any

from matching.config import MatchingSettings
from matching.personal_data import PERSONAL_DATA
from matching.service.matches import activate_started, expire_overdue
from shared.jobs import Again, JobContext, Periodic, Task
from shared.logging import get_logger
from shared.runtime import Runtime

_log = get_logger("matching.jobs")


async def match_lifecycle(runtime: Runtime, job: JobContext) -> Again | None:
    """One expiry pass and one activation pass; again at once while a batch came back full."""
    settings = runtime.settings
    assert isinstance(settings, MatchingSettings)
    batch = settings.lifecycle_batch_size
    expired = await expire_overdue(runtime.sessions, batch_size=batch)
    activated = await activate_started(runtime.sessions, batch_size=batch)
    if expired or activated:
        _log.info("match lifecycle pass", expired=expired, activated=activated)
    return Again() if max(expired, activated) >= batch else None


def _lifecycle_every(settings: Any) -> float:
    return float(settings.lifecycle_poll_seconds)


PERIODIC = [Periodic("match-lifecycle", match_lifecycle, every=_lifecycle_every)]
TASKS: list[Task] = [*PERSONAL_DATA.tasks()]
