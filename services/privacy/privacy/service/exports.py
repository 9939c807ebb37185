"""Exports: a person's data from every registered service, assembled into one archive.

Asking publishes `privacy.export.requested`; each service puts its part in the export store and
publishes its `personal_data.exported`; once every registered service's part is in, a task
assembles the archive (README and JSON files), deletes the parts from the store and keeps the
archive until it expires. A service that has not answered is asked again, with backoff.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mentorship.services import names
from privacy.access import may_export
from privacy.archive import build_archive
from privacy.models import Export, ExportPart, Person, messaging
from privacy.service.policies import policy_row
from shared.auth import Principal
from shared.contracts.privacy import ExportCompleted, ExportRequested, PersonalDataExported
from shared.errors import Problem
from shared.jobs import JobQueue
from shared.outbox import Outbox
from shared.personal_data import export_store
from shared.runtime import Runtime

ASSEMBLE = "assemble-export"
outbox = Outbox(messaging.outbox)
jobs = JobQueue(messaging.jobs)


async def known_person(session: AsyncSession, *, organization: str, person_id: uuid.UUID) -> Person:
    person = await session.get(Person, person_id)
    if person is None or person.organization != organization:
        raise Problem(404, "no such person in this organization (or not known to the privacy service yet)")
    return person


async def request_export(
    session: AsyncSession, *, caller: Principal, person_id: uuid.UUID, now: datetime
) -> Export:
    """Ask every service for its part of `person_id`'s data (the caller themselves, or an admin on
    their behalf: the request names who asked, and the audit trail records it)."""
    policy = await policy_row(session, caller.organization)
    may_export(
        caller,
        person_id=person_id,
        integrations_allowed=policy is not None and policy.integrations_may_export,
    )
    person = await known_person(session, organization=caller.organization, person_id=person_id)
    if person.erased_at is not None:
        raise Problem(409, "this person was erased: nothing is left to export", slug="person-erased")
    export = Export(
        id=uuid.uuid4(),
        organization=caller.organization,
        person_id=person_id,
        requested_by=caller.subject,
        requested_by_type=caller.actor.type.value,
        status="collecting",
        attempt=1,
        requested_at=now,
        last_requested_at=now,
    )
    session.add(export)
    await session.flush()
    await outbox.add(
        session,
        ExportRequested(export_id=export.id, person_id=person_id, attempt=1),
        organization=caller.organization,
        subject=str(person_id),
    )
    return export


async def record_part(
    session: AsyncSession, *, organization: str, event: PersonalDataExported, now: datetime
) -> None:
    """A service's part arrived: once every registered service's is in, assemble the archive.

    No lock on the export: each service's parts arrive on its own stream's consumer, whose batches
    would otherwise lock exports in opposite orders. Two last parts arriving together may each miss
    the other's; `ask_again` then finds the export complete."""
    export = await session.get(Export, event.export_id)
    if export is None or export.organization != organization:
        return
    await session.execute(
        insert(ExportPart)
        .values(
            export_id=event.export_id,
            service=event.service,
            organization=organization,
            object_name=event.object_name,
            size_bytes=event.size_bytes,
            sha256=event.sha256,
            files=[file.model_dump(mode="json") for file in event.files],
            received_at=now,
        )
        .on_conflict_do_nothing()
    )
    if export.status == "collecting" and not await missing_parts(session, export.id):
        await _assemble_soon(session, export.id)


async def _assemble_soon(session: AsyncSession, export_id: uuid.UUID) -> None:
    await jobs.enqueue(session, ASSEMBLE, payload={"export_id": str(export_id)}, key=str(export_id))


async def missing_parts(session: AsyncSession, export_id: uuid.UUID) -> list[str]:
    arrived = set(
        (await session.execute(select(ExportPart.service).where(ExportPart.export_id == export_id))).scalars()
    )
    return [name for name in names() if name not in arrived]


async def assemble(runtime: Runtime, *, export_id: uuid.UUID, download_hours: float, now: datetime) -> None:
    """Build the archive from the parts in the export store, keep it, delete the parts."""
    async with runtime.sessions() as session:
        export = await session.get(Export, export_id)
        parts = list(
            (await session.execute(select(ExportPart).where(ExportPart.export_id == export_id))).scalars()
        )
    if export is None or export.status != "collecting":
        return
    store = await export_store(runtime.js, runtime.settings.event_namespace, runtime.settings.stream_replicas)
    contents = []
    for part in parts:
        found = await store.get(part.object_name)
        data = found.data or b""
        if hashlib.sha256(data).hexdigest() != part.sha256:
            raise RuntimeError(f"the {part.service} part of export {export_id} is not what it said it was")
        import orjson

        contents.append(orjson.loads(data))
    archive = build_archive(
        person_id=str(export.person_id), organization=export.organization, exported_at=now, parts=contents
    )
    expires_at = now + timedelta(hours=download_hours)
    async with runtime.sessions() as session, session.begin():
        changed = await session.execute(
            update(Export)
            .where(Export.id == export_id, Export.status == "collecting")
            .values(
                status="ready",
                archive=archive,
                size_bytes=len(archive),
                completed_at=now,
                expires_at=expires_at,
            )
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            await outbox.add(
                session,
                ExportCompleted(
                    export_id=export_id,
                    person_id=export.person_id,
                    size_bytes=len(archive),
                    expires_at=expires_at,
                    services=sorted(part.service for part in parts),
                ),
                organization=export.organization,
                subject=str(export.person_id),
            )
    for part in parts:
        # The bucket's time to live removes what is left.
        with contextlib.suppress(Exception):
            await store.delete(part.object_name)


async def ask_again(session: AsyncSession, *, now: datetime, after_seconds: float, max_seconds: float) -> int:
    """Exports still collecting after the backoff are asked for again (attempt + 1); those whose
    parts are all in are assembled."""
    waiting = list(
        (
            await session.execute(
                select(Export)
                .where(Export.status == "collecting")
                .order_by(Export.last_requested_at)
                .limit(100)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    asked = 0
    for export in waiting:
        if not await missing_parts(session, export.id):
            await _assemble_soon(session, export.id)
            continue
        delay = min(after_seconds * 2 ** (export.attempt - 1), max_seconds)
        if export.last_requested_at > now - timedelta(seconds=delay):
            continue
        export.attempt += 1
        export.last_requested_at = now
        await outbox.add(
            session,
            ExportRequested(export_id=export.id, person_id=export.person_id, attempt=export.attempt),
            organization=export.organization,
            subject=str(export.person_id),
        )
        asked += 1
    return asked


async def expire(session: AsyncSession, *, now: datetime) -> int:
    """Archives past their download period are deleted (the request stays, `expired`)."""
    result = await session.execute(
        update(Export)
        .where(Export.status == "ready", Export.expires_at < now)
        .values(status="expired", archive=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
