"""Bulk import of people: starting a job, and the worker job that carries it out.

Each row goes through the same use cases as the API (create or update a person, deactivate or
reactivate): a bad row is rolled back alone and reported with its row number and fields, the good
ones land with their events. (A batch goes through in one savepoint; when a row is refused on the
way, the batch is done again with a savepoint per row.) Rows are idempotent on `external_id`: a
new one is created, a changed one updated, an unchanged one skipped (no write, no event).

A real import commits batch by batch, together with the job's progress, so a worker that dies
resumes after the last committed batch (its lease runs out and another worker takes the job up).
A dry run works through every row in one transaction that is rolled back at the end (nothing is
written, no event leaves), its progress committed apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, func, select, type_coerce, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from profiles import service
from profiles.bulk_import import RowFields, Upload, field_error, processing_order, row_fields
from profiles.config import ProfilesSettings
from profiles.import_jobs import UNFINISHED, ImportJob, ImportStatus
from profiles.queries import PEOPLE, Executor
from profiles.schemas import PersonCreate, PersonUpdate
from profiles.states import Document
from shared.auth import Principal, Role
from shared.errors import Problem
from shared.logging import get_logger
from shared.runtime import Runtime

JOBS = cast(Table, ImportJob.__table__)
MAX_ERRORS = 1000
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
_log = get_logger("profiles.importing")

SUMMARY_FIELDS = (
    "id",
    "status",
    "format",
    "dry_run",
    "total",
    "processed",
    "created",
    "updated",
    "skipped",
    "failed",
    "errors",
    "ignored_columns",
    "failure",
    "created_at",
    "started_at",
    "finished_at",
)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    FAILED = "failed"


def job_document(row: Any) -> Document:
    document = {name: getattr(row, name) for name in SUMMARY_FIELDS}
    # Rows are worked on managers first; errors read best in file order.
    document["errors"] = sorted(row.errors, key=lambda error: error["row"])
    document["errors_truncated"] = row.failed > len(row.errors)
    return document


async def start_import(
    session: AsyncSession, *, caller: Principal, upload: Upload, file_format: str, dry_run: bool
) -> Document:
    """A pending job holding the rows in processing order; the worker takes it from there."""
    rows = processing_order(upload.rows)
    now = datetime.now(UTC)
    job = ImportJob(
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
        rows=rows,
        attempts=0,
        created_at=now,
    )
    session.add(job)
    await session.flush()
    return job_document(job)


async def find_job(db: Executor, *, organization: str, job_id: uuid.UUID) -> Document | None:
    row = (
        await db.execute(
            select(*(JOBS.c[name] for name in SUMMARY_FIELDS)).where(
                JOBS.c.id == job_id, JOBS.c.organization == organization
            )
        )
    ).first()
    return None if row is None else job_document(row)


# --- one row -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What a batch did, to add to the job's counters."""

    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    errors: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        for outcome, count in other.counts.items():
            self.counts[outcome] += count
        self.errors.extend(other.errors)

    def add(self, row: dict[str, Any], outcome: Outcome, errors: list[dict[str, str]]) -> None:
        self.counts[outcome] += 1
        if errors:
            self.errors.append(
                {"row": row["row"], "external_id": row["values"].get("external_id"), "errors": errors}
            )


class RowFailed(Exception):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _column_of(field_name: str) -> str:
    name = field_name.removeprefix("body.").split(".")[0]
    return "manager_external_id" if name == "manager_id" else name


def _validation_errors(error: ValidationError) -> list[dict[str, str]]:
    return [
        field_error(
            _column_of(str(item["loc"][0])) if item.get("loc") else "row",
            str(item.get("msg", "invalid")),
            str(item.get("type", "invalid")),
        )
        for item in error.errors()
    ]


def _problem_errors(problem: Problem) -> list[dict[str, str]]:
    if problem.errors:
        return [
            field_error(_column_of(error["field"]), error["message"], error.get("type", "invalid"))
            for error in problem.errors
        ]
    return [field_error("row", problem.detail or problem.title, problem.slug)]


@dataclass(frozen=True)
class Known:
    id: uuid.UUID
    version: int
    active: bool


async def _people_by_external_id(
    session: AsyncSession, *, organization: str, external_ids: set[str]
) -> dict[str, Known]:
    if not external_ids:
        return {}
    rows = await session.execute(
        select(PEOPLE.c.external_id, PEOPLE.c.id, PEOPLE.c.version, PEOPLE.c.active).where(
            PEOPLE.c.organization == organization, PEOPLE.c.external_id.in_(external_ids)
        )
    )
    return {row.external_id: Known(row.id, row.version, row.active) for row in rows}


def _fields_and_manager(
    row: RowFields, known: dict[str, Known]
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The row's profile fields with its manager resolved to a person id."""
    fields = dict(row.fields)
    errors: list[dict[str, str]] = []
    if row.sets_manager:
        manager = known.get(row.manager_external_id) if row.manager_external_id else None
        if row.manager_external_id and manager is None:
            message = f"no person with external_id {row.manager_external_id}"
            errors.append(field_error("manager_external_id", message, "unknown_person"))
        fields["manager_id"] = manager.id if manager else None
    return fields, errors


async def _create_row(
    session: AsyncSession,
    *,
    caller: Principal,
    row: RowFields,
    known: dict[str, Known],
    settings: ProfilesSettings,
) -> Known:
    assert row.external_id is not None
    fields, errors = _fields_and_manager(row, known)
    defaults = {"time_zone": settings.default_time_zone, "languages": [settings.default_language]}
    try:
        create = PersonCreate.model_validate({**defaults, **fields, "external_id": row.external_id})
    except ValidationError as exc:
        raise RowFailed([*errors, *_validation_errors(exc)]) from None
    if errors:
        raise RowFailed(errors)
    person = await service.create_person(session, caller=caller, fields=create)
    if row.active is False:
        person = await service.set_person_active(
            session, caller=caller, person_id=person["id"], active=False, if_match=None
        )
    return Known(person["id"], person["version"], person["active"])


async def _update_row(
    session: AsyncSession, *, caller: Principal, row: RowFields, existing: Known, known: dict[str, Known]
) -> Known:
    fields, errors = _fields_and_manager(row, known)
    try:
        changes = PersonUpdate.model_validate(fields)
    except ValidationError as exc:
        raise RowFailed([*errors, *_validation_errors(exc)]) from None
    if errors:
        raise RowFailed(errors)
    person = await service.update_person(
        session, caller=caller, person_id=existing.id, changes=changes, if_match="*"
    )
    if row.active is not None and row.active != person["active"]:
        person = await service.set_person_active(
            session, caller=caller, person_id=existing.id, active=row.active, if_match=None
        )
    return Known(person["id"], person["version"], person["active"])


async def _write_row(
    session: AsyncSession,
    *,
    caller: Principal,
    row: RowFields,
    known: dict[str, Known],
    settings: ProfilesSettings,
) -> tuple[Outcome, Known]:
    """One row through the profiles use cases (inside the caller's savepoint)."""
    assert row.external_id is not None
    existing = known.get(row.external_id)
    if existing is None:
        return Outcome.CREATED, await _create_row(
            session, caller=caller, row=row, known=known, settings=settings
        )
    person = await _update_row(session, caller=caller, row=row, existing=existing, known=known)
    return (Outcome.SKIPPED if person.version == existing.version else Outcome.UPDATED), person


async def _rows_together(
    session: AsyncSession,
    *,
    caller: Principal,
    rows: Sequence[tuple[dict[str, Any], RowFields]],
    known: dict[str, Known],
    settings: ProfilesSettings,
) -> Tally:
    """The fast path: the rows without a savepoint each. A row the profiles use cases refuse
    raises (its partial write is in the transaction), and the batch is done again row by row."""
    tally = Tally()
    for raw, row in rows:
        try:
            outcome, person = await _write_row(
                session, caller=caller, row=row, known=known, settings=settings
            )
        except RowFailed as failure:  # refused before it wrote anything
            tally.add(raw, Outcome.FAILED, failure.errors)
            continue
        assert row.external_id is not None
        known[row.external_id] = person
        tally.add(raw, outcome, [])
    return tally


async def _rows_apart(
    session: AsyncSession,
    *,
    caller: Principal,
    rows: Sequence[tuple[dict[str, Any], RowFields]],
    known: dict[str, Known],
    settings: ProfilesSettings,
) -> Tally:
    """Each row in a savepoint of its own: a refused row is rolled back alone."""
    tally = Tally()
    for raw, row in rows:
        try:
            async with session.begin_nested():
                outcome, person = await _write_row(
                    session, caller=caller, row=row, known=known, settings=settings
                )
        except RowFailed as failure:
            tally.add(raw, Outcome.FAILED, failure.errors)
        except Problem as problem:
            tally.add(raw, Outcome.FAILED, _problem_errors(problem))
        else:
            assert row.external_id is not None
            known[row.external_id] = person
            tally.add(raw, outcome, [])
    return tally


async def _import_batch(
    session: AsyncSession,
    *,
    caller: Principal,
    rows: Sequence[dict[str, Any]],
    settings: ProfilesSettings,
) -> Tally:
    """A batch of rows; people are looked up afresh for each batch. Rows go through together in
    one savepoint; if one of them is refused on the way, that savepoint is rolled back and the
    batch is done again with a savepoint per row (savepoints cost two round trips each)."""
    tally = Tally()
    parsed = []
    for raw in rows:
        row = row_fields(raw["values"])
        errors = [*raw.get("errors", []), *row.errors]
        if errors:
            tally.add(raw, Outcome.FAILED, errors)
        else:
            parsed.append((raw, row))
    wanted = {
        external_id
        for _, row in parsed
        for external_id in (row.external_id, row.manager_external_id)
        if external_id is not None
    }
    known = await _people_by_external_id(session, organization=caller.organization, external_ids=wanted)
    try:
        async with session.begin_nested():
            done = await _rows_together(
                session, caller=caller, rows=parsed, known=dict(known), settings=settings
            )
    except (Problem, DBAPIError):
        done = await _rows_apart(session, caller=caller, rows=parsed, known=known, settings=settings)
    tally.merge(done)
    return tally


# --- the worker job ----------------------------------------------------------------------------


def _caller(job: ImportJob) -> Principal:
    known = {role.value for role in Role}
    return Principal(
        subject=job.created_by,
        organization=job.organization,
        roles=frozenset(Role(role) for role in job.created_by_roles if role in known),
    )


def _counters(tally: Tally, *, processed: int, errors_so_far: int) -> dict[str, Any]:
    room = max(MAX_ERRORS - errors_so_far, 0)
    return {
        "processed": processed,
        "created": JOBS.c.created + tally.counts[Outcome.CREATED],
        "updated": JOBS.c.updated + tally.counts[Outcome.UPDATED],
        "skipped": JOBS.c.skipped + tally.counts[Outcome.SKIPPED],
        "failed": JOBS.c.failed + tally.counts[Outcome.FAILED],
        "errors": JOBS.c.errors.op("||")(type_coerce(tally.errors[:room], JSONB)),
        "lease_until": func.now() + LEASE,
    }


async def _claim(runtime: Runtime) -> uuid.UUID | None:
    """The oldest unfinished job no live worker holds, leased to this one."""
    async with runtime.sessions() as session, session.begin():
        waiting = (
            select(JOBS.c.id)
            .where(JOBS.c.status.in_(UNFINISHED), func.coalesce(JOBS.c.lease_until, func.now()) <= func.now())
            .order_by(JOBS.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        claimed = await session.scalar(
            update(JOBS)
            .where(JOBS.c.id == waiting)
            .values(
                status=ImportStatus.RUNNING.value,
                lease_until=func.now() + LEASE,
                attempts=JOBS.c.attempts + 1,
                started_at=func.coalesce(JOBS.c.started_at, func.now()),
            )
            .returning(JOBS.c.id)
        )
    return cast(uuid.UUID | None, claimed)


async def _finish(
    runtime: Runtime, job_id: uuid.UUID, *, status: ImportStatus, failure: str | None = None
) -> None:
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            update(JOBS)
            .where(JOBS.c.id == job_id)
            .values(status=status.value, failure=failure, lease_until=None, finished_at=func.now())
        )


class _TakenOver(Exception):
    """Another worker moved the job on (this one's lease ran out): drop the batch."""


async def _run_import(runtime: Runtime, job: ImportJob, settings: ProfilesSettings) -> None:
    """Batches committed one by one with the job's counters; a batch whose job moved on (another
    worker took over) is rolled back whole."""
    caller = _caller(job)
    processed, errors_so_far = job.processed, len(job.errors)
    while processed < job.total:
        batch = job.rows[processed : processed + settings.import_batch_size]
        try:
            async with runtime.sessions() as session, session.begin():
                tally = await _import_batch(session, caller=caller, rows=batch, settings=settings)
                moved = await session.execute(
                    update(JOBS)
                    .where(JOBS.c.id == job.id, JOBS.c.processed == processed)
                    .values(**_counters(tally, processed=processed + len(batch), errors_so_far=errors_so_far))
                )
                if moved.rowcount != 1:  # type: ignore[attr-defined]
                    raise _TakenOver
        except _TakenOver:
            _log.warning("import job taken over by another worker", job=str(job.id))
            return
        processed += len(batch)
        errors_so_far += len(tally.errors)
    await _finish(runtime, job.id, status=ImportStatus.SUCCEEDED)


async def _run_dry_run(runtime: Runtime, job: ImportJob, settings: ProfilesSettings) -> None:
    """Every row in one transaction, rolled back at the end; progress committed apart."""
    caller = _caller(job)
    async with runtime.sessions() as progress, progress.begin():
        # Nothing a previous attempt did was kept: count from the start.
        await progress.execute(
            update(JOBS)
            .where(JOBS.c.id == job.id)
            .values(processed=0, created=0, updated=0, skipped=0, failed=0, errors=[])
        )
    processed, errors_so_far = 0, 0
    async with runtime.sessions() as session:
        transaction = await session.begin()
        try:
            while processed < job.total:
                batch = job.rows[processed : processed + settings.import_batch_size]
                tally = await _import_batch(session, caller=caller, rows=batch, settings=settings)
                processed += len(batch)
                async with runtime.sessions() as progress, progress.begin():
                    await progress.execute(
                        update(JOBS)
                        .where(JOBS.c.id == job.id)
                        .values(**_counters(tally, processed=processed, errors_so_far=errors_so_far))
                    )
                errors_so_far += len(tally.errors)
        finally:
            await transaction.rollback()
    await _finish(runtime, job.id, status=ImportStatus.SUCCEEDED)


async def _load(runtime: Runtime, job_id: uuid.UUID) -> ImportJob:
    async with runtime.sessions() as session:
        job = await session.get(ImportJob, job_id, options=[undefer(ImportJob.rows)])
        assert job is not None
        return job


async def work_on_one_job(runtime: Runtime, settings: ProfilesSettings) -> bool:
    """Claim one job and carry it out; whether there was one."""
    job_id = await _claim(runtime)
    if job_id is None:
        return False
    job = await _load(runtime, job_id)
    try:
        if job.dry_run:
            await _run_dry_run(runtime, job, settings)
        else:
            await _run_import(runtime, job, settings)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        _log.exception("import job failed", job=str(job_id), attempt=job.attempts)
        if job.attempts >= MAX_ATTEMPTS:
            await _finish(runtime, job_id, status=ImportStatus.FAILED, failure=repr(exc)[:500])
        # Otherwise the lease runs out and a worker takes it up again where it stopped.
    return True


def import_worker(settings: ProfilesSettings) -> Any:
    """The worker job (`shared.worker.Job`) that carries out pending imports."""

    async def run(runtime: Runtime, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await work_on_one_job(runtime, settings)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("looking for import jobs failed; will retry", error=repr(exc))
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=settings.import_poll_seconds)

    return run
