"""A bulk import as a task on the job runner (`shared.jobs`): started in the transaction that
records the import, then carried out batch by batch by whichever worker holds the task's lease.

A real import commits each batch together with the import's counters, so a worker that dies
resumes after the last committed batch (the counters say where). The runner's lease and heartbeat
keep a second worker off an import that is being worked on; should a worker lose its lease anyway
(a stalled process), the counters' compare-and-set refuses its next batch. A dry run works through
every row in one transaction that is rolled back at the end (nothing is written, no event leaves),
its progress committed apart; a dry run cut short starts over.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import orjson
from sqlalchemy import Text, bindparam, func, select, true, type_coerce, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.config import ProfilesSettings
from profiles.documents import Document, import_document
from profiles.imports.model import FINISHED, ImportStatus, Outcome, Tally
from profiles.imports.parsing import Upload, processing_order
from profiles.imports.rows import apply_rows
from profiles.models import ImportJob, messaging
from profiles.queries import IMPORTS
from shared.auth import Principal, Role
from shared.clock import utcnow
from shared.jobs import Again, JobContext, JobQueue, Task
from shared.logging import get_logger
from shared.runtime import Runtime

IMPORT_PEOPLE = "import-people"
MAX_ATTEMPTS = 5
QUEUE = JobQueue(messaging.jobs)
_log = get_logger("profiles.imports")


async def start_import(
    session: AsyncSession, *, caller: Principal, upload: Upload, file_format: str, dry_run: bool
) -> Document:
    """A pending import holding the rows in processing order, and the task that carries it out
    (both exist if and only if the caller's transaction commits)."""
    rows = processing_order(upload.rows)
    # The rows go to PostgreSQL as the JSON they are kept as, never as 100,000 parsed documents.
    documents = "[" + ",".join(row.document for row in rows) + "]"
    record = ImportJob(
        id=uuid.uuid4(),
        organization=caller.organization,
        created_by=caller.subject,
        created_by_roles=sorted(caller.roles),
        format=file_format,
        dry_run=dry_run,
        status=ImportStatus.PENDING.value,
        total=len(rows),
        processed=0,
        created=0,
        updated=0,
        skipped=0,
        failed=0,
        errors=[],
        ignored_columns=upload.ignored_columns,
        rows=bindparam("rows", documents, type_=Text).cast(JSONB),
        created_at=utcnow(),
    )
    session.add(record)
    await session.flush()
    await QUEUE.enqueue(session, IMPORT_PEOPLE, payload={"import_id": str(record.id)}, key=str(record.id))
    return import_document(record)


def _caller(record: ImportJob) -> Principal:
    """Who started the import: the rows' use cases run on their behalf."""
    known = {role.value for role in Role}
    return Principal(
        subject=record.created_by,
        organization=record.organization,
        roles=frozenset(Role(role) for role in record.created_by_roles if role in known),
    )


def _counters(tally: Tally, *, processed: int, errors_so_far: int) -> dict[str, Any]:
    return {
        "processed": processed,
        "created": IMPORTS.c.created + tally.counts[Outcome.CREATED],
        "updated": IMPORTS.c.updated + tally.counts[Outcome.UPDATED],
        "skipped": IMPORTS.c.skipped + tally.counts[Outcome.SKIPPED],
        "failed": IMPORTS.c.failed + tally.counts[Outcome.FAILED],
        "errors": IMPORTS.c.errors.op("||")(
            type_coerce(tally.errors_to_keep(kept_so_far=errors_so_far), JSONB)
        ),
    }


async def _begin(runtime: Runtime, import_id: uuid.UUID) -> ImportJob | None:
    """The import (without its rows), marked running; None when it is finished (or gone)."""
    async with runtime.sessions() as session, session.begin():
        record = await session.scalar(select(ImportJob).where(ImportJob.id == import_id).with_for_update())
        if record is None or record.status in FINISHED:
            return None
        record.status = ImportStatus.RUNNING.value
        record.started_at = record.started_at or utcnow()
    return record


class _Rows:
    """The import's rows from one on, each kept as its JSON text until its batch comes: a tenth
    of the memory of the parsed rows (a file holds up to 100,000 people)."""

    def __init__(self, texts: list[str], first: int) -> None:
        self.texts = texts
        self.first = first

    @classmethod
    async def load(cls, runtime: Runtime, import_id: uuid.UUID, *, first: int) -> _Rows:
        rows = (
            func.jsonb_array_elements(IMPORTS.c.rows)
            .table_valued("value", with_ordinality="number")
            .render_derived(name="element")
        )
        async with runtime.sessions() as session:
            texts = await session.scalars(
                select(rows.c.value.cast(Text))
                .select_from(IMPORTS)
                .join(rows, true())
                .where(IMPORTS.c.id == import_id, rows.c.number > first)
                .order_by(rows.c.number)
            )
            return cls(list(texts), first)

    def batch(self, start: int, size: int) -> list[dict[str, Any]]:
        """The rows `start` to `start + size` (counted from the import's first row)."""
        texts = self.texts[start - self.first : start - self.first + size]
        return [orjson.loads(text) for text in texts]


async def _finish(
    runtime: Runtime, import_id: uuid.UUID, *, status: ImportStatus, failure: str | None = None
) -> None:
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            update(IMPORTS)
            .where(IMPORTS.c.id == import_id)
            .values(status=status.value, failure=failure, finished_at=func.now())
        )


class _TakenOver(Exception):
    """Another worker moved the import on (this one lost its lease): drop the batch."""


async def _import(
    runtime: Runtime, record: ImportJob, *, settings: ProfilesSettings, job: JobContext
) -> Again | None:
    """Batches committed one by one with the import's counters, from where they stand."""
    caller = _caller(record)
    processed, errors_so_far = record.processed, len(record.errors)
    rows = await _Rows.load(runtime, record.id, first=processed)
    while processed < record.total:
        batch = rows.batch(processed, settings.import_batch_size)
        try:
            async with runtime.sessions() as session, session.begin():
                tally = await apply_rows(session, caller=caller, rows=batch, settings=settings)
                moved = await session.execute(
                    update(IMPORTS)
                    .where(IMPORTS.c.id == record.id, IMPORTS.c.processed == processed)
                    .values(**_counters(tally, processed=processed + len(batch), errors_so_far=errors_so_far))
                )
                if moved.rowcount != 1:  # type: ignore[attr-defined]
                    raise _TakenOver
        except _TakenOver:
            _log.warning("import taken over by another worker", import_id=str(record.id))
            return None
        processed += len(batch)
        errors_so_far += len(tally.errors)
        if job.stopping and processed < record.total:
            # The worker is shutting down: the next run (here or elsewhere) starts after this batch.
            return Again()
    await _finish(runtime, record.id, status=ImportStatus.SUCCEEDED)
    return None


async def _dry_run(
    runtime: Runtime, record: ImportJob, *, settings: ProfilesSettings, job: JobContext
) -> Again | None:
    """Every row in one transaction, rolled back at the end; progress committed apart."""
    caller = _caller(record)
    async with runtime.sessions() as progress, progress.begin():
        # Nothing a previous run did was kept: count from the start.
        await progress.execute(
            update(IMPORTS)
            .where(IMPORTS.c.id == record.id)
            .values(processed=0, created=0, updated=0, skipped=0, failed=0, errors=[])
        )
    processed, errors_so_far = 0, 0
    rows = await _Rows.load(runtime, record.id, first=0)
    async with runtime.sessions() as session:
        transaction = await session.begin()
        try:
            while processed < record.total:
                if job.stopping:
                    return Again()
                batch = rows.batch(processed, settings.import_batch_size)
                tally = await apply_rows(session, caller=caller, rows=batch, settings=settings)
                processed += len(batch)
                async with runtime.sessions() as progress, progress.begin():
                    await progress.execute(
                        update(IMPORTS)
                        .where(IMPORTS.c.id == record.id)
                        .values(**_counters(tally, processed=processed, errors_so_far=errors_so_far))
                    )
                errors_so_far += len(tally.errors)
        finally:
            await transaction.rollback()
    await _finish(runtime, record.id, status=ImportStatus.SUCCEEDED)
    return None


async def carry_out(runtime: Runtime, job: JobContext) -> Again | None:
    """The task: work on the import named in the payload until it is done (or the worker stops).
    After the last attempt the import is marked failed with the error."""
    import_id = uuid.UUID(str(job.payload["import_id"]))
    settings = cast(ProfilesSettings, runtime.settings)
    record = await _begin(runtime, import_id)
    if record is None:
        return None
    try:
        if record.dry_run:
            return await _dry_run(runtime, record, settings=settings, job=job)
        return await _import(runtime, record, settings=settings, job=job)
    except Exception as exc:
        _log.exception("import failed", import_id=str(import_id), attempt=job.attempt)
        if job.attempt >= MAX_ATTEMPTS:
            await _finish(runtime, import_id, status=ImportStatus.FAILED, failure=repr(exc)[:500])
        raise


IMPORT_TASK = Task(IMPORT_PEOPLE, carry_out, max_attempts=MAX_ATTEMPTS)
