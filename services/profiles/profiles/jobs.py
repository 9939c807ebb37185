"""Durable work of the profiles service on the shared job runner (`shared.jobs`).

Its task is carrying out a bulk import (`profiles.imports.job`), enqueued in the transaction that
records the import. Its periodic work seals self-identified values and pseudonym secrets again with
the newest encryption key, so an old key can be retired after a rotation.
"""

from __future__ import annotations

import uuid
from typing import Any

from profiles.config import ProfilesSettings
from profiles.imports.job import IMPORT_TASK
from profiles.personal_data import ERASE_TASK, PERSONAL_DATA
from profiles.service import self_identification
from profiles.service.erasure import erase_person
from shared.db import transaction
from shared.jobs import Again, JobContext, Periodic, Task
from shared.logging import get_logger
from shared.runtime import Runtime
from shared.secret_box import SecretBox

_log = get_logger("profiles.jobs")


async def reseal_self_identification(runtime: Runtime, job: JobContext) -> Again | None:
    """One batch sealed again with the first key; again at once while the batch came back full."""
    settings = runtime.settings
    assert isinstance(settings, ProfilesSettings)
    box = SecretBox(settings.self_id_encryption_keys)
    batch = settings.self_id_reseal_batch_size
    async with transaction(runtime.sessions) as session:
        resealed = await self_identification.reseal(session, box=box, batch_size=batch)
    if resealed:
        _log.info("self-identification sealed with the newest key", resealed=resealed)
    return Again() if resealed >= batch else None


async def erase(runtime: Runtime, job: JobContext) -> None:
    """A person's erasure, asked by the privacy service (service/erasure.py)."""
    settings = runtime.settings
    assert isinstance(settings, ProfilesSettings)
    async with transaction(runtime.sessions) as session:
        await erase_person(
            session,
            organization=str(job.payload["organization"]),
            person_id=uuid.UUID(job.payload["person_id"]),
            erasure_id=uuid.UUID(job.payload["erasure_id"]),
            box=SecretBox(settings.self_id_encryption_keys),
        )


def _reseal_every(settings: Any) -> float:
    return float(settings.self_id_reseal_seconds)


PERIODIC: tuple[Periodic, ...] = (
    Periodic("reseal-self-identification", reseal_self_identification, every=_reseal_every),
)
TASKS: tuple[Task, ...] = (IMPORT_TASK, Task(ERASE_TASK, erase, max_attempts=20), *PERSONAL_DATA.tasks())
