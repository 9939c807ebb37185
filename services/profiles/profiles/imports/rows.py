"""Applying import rows: each row goes through the same use cases as the API (create or update a
person, deactivate or reactivate), so it lands with the same checks and the same events.

Rows are idempotent on `external_id`: a new one is created, a changed one updated, an unchanged
one skipped (no write, no event). A bad row is rolled back alone and reported with its row number
and fields; the good ones land.

A batch goes through together in one savepoint, its new people created at once
(`service.create_people`: one insert, one PersonCreated each). When a row is refused on the way, the
savepoint is rolled back and the rows are done again in smaller groups, down to a savepoint per row,
so that a few bad rows in a large batch cost a few small groups rather than a savepoint per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import service
from profiles.config import ProfilesSettings
from profiles.imports.model import Outcome, Tally
from profiles.imports.parsing import RowFields, field_error, row_fields
from profiles.queries import PEOPLE
from profiles.schemas import PersonCreate, PersonUpdate
from profiles.service.reporting_line import lock_reporting_line
from shared.auth import Principal
from shared.errors import Problem


class RowFailed(Exception):
    """A row refused before it wrote anything."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Known:
    """A person of the organization as far as the rows need them."""

    id: uuid.UUID
    version: int
    active: bool


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


def _creation(
    row: RowFields, known: dict[str, Known], settings: ProfilesSettings, *, person_id: uuid.UUID | None = None
) -> PersonCreate:
    """The new person a row describes, its manager resolved (RowFailed when the row is refused)."""
    assert row.external_id is not None
    fields, errors = _fields_and_manager(row, known)
    # What the file does not say, a new person gets from the settings.
    defaults = {"time_zone": settings.default_time_zone, "languages": [settings.default_language]}
    try:
        create = PersonCreate.model_validate(
            {**defaults, **fields, "external_id": row.external_id, "id": person_id}
        )
    except ValidationError as exc:
        raise RowFailed([*errors, *_validation_errors(exc)]) from None
    if errors:
        raise RowFailed(errors)
    return create


async def _create_row(
    session: AsyncSession,
    *,
    caller: Principal,
    row: RowFields,
    known: dict[str, Known],
    settings: ProfilesSettings,
) -> Known:
    create = _creation(row, known, settings)
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


Parsed = Sequence[tuple[dict[str, Any], RowFields]]
# Rows done together in one savepoint before a refused group is split (into `_SPLIT` parts), and
# the size of group done a savepoint per row.
_SPLIT = 8
_APART = 16


async def _together(
    session: AsyncSession,
    *,
    caller: Principal,
    rows: Parsed,
    known: dict[str, Known],
    settings: ProfilesSettings,
) -> Tally:
    """The rows in one go: the new people created at once, then each other row through its use
    case. A row the profiles use cases refuse raises (its partial write is in the transaction).
    New people come first: they never depend on the other rows (their managers are people known
    before the batch or new people placed before them), and a row that did depend on another's
    change is refused here and done in order by `_apart`."""
    tally = Tally()
    creations: list[tuple[dict[str, Any], RowFields, PersonCreate]] = []
    others: list[tuple[dict[str, Any], RowFields]] = []
    for raw, row in rows:
        assert row.external_id is not None
        if row.external_id in known:
            others.append((raw, row))
            continue
        try:
            create = _creation(row, known, settings, person_id=uuid.uuid4())
        except RowFailed as failure:  # refused before it wrote anything
            tally.add(raw, Outcome.FAILED, failure.errors)
            continue
        assert create.id is not None
        known[row.external_id] = Known(create.id, 1, True)
        creations.append((raw, row, create))
    if creations:
        await service.create_people(session, caller=caller, people=[create for _, _, create in creations])
    for raw, row, create in creations:
        if row.active is False:
            assert create.id is not None and row.external_id is not None
            person = await service.set_person_active(
                session, caller=caller, person_id=create.id, active=False, if_match=None
            )
            known[row.external_id] = Known(person["id"], person["version"], person["active"])
        tally.add(raw, Outcome.CREATED, [])
    tally.merge(
        await _apart(session, caller=caller, rows=others, known=known, settings=settings, savepoints=False)
    )
    return tally


async def _apart(
    session: AsyncSession,
    *,
    caller: Principal,
    rows: Parsed,
    known: dict[str, Known],
    settings: ProfilesSettings,
    savepoints: bool = True,
) -> Tally:
    """The rows one after the other. With `savepoints`, each row in a savepoint of its own, so that
    a refused row is rolled back alone; without, a row the profiles use cases refuse raises."""
    tally = Tally()
    for raw, row in rows:
        savepoint: AbstractAsyncContextManager[Any] = session.begin_nested() if savepoints else nullcontext()
        try:
            async with savepoint:
                outcome, person = await _write_row(
                    session, caller=caller, row=row, known=known, settings=settings
                )
        except RowFailed as failure:  # refused before it wrote anything
            tally.add(raw, Outcome.FAILED, failure.errors)
        except Problem as problem:
            if not savepoints:
                raise
            tally.add(raw, Outcome.FAILED, _problem_errors(problem))
        else:
            assert row.external_id is not None
            known[row.external_id] = person
            tally.add(raw, outcome, [])
    return tally


async def _land(
    session: AsyncSession,
    *,
    caller: Principal,
    rows: Parsed,
    known: dict[str, Known],
    settings: ProfilesSettings,
) -> Tally:
    """The rows together in a savepoint; if one of them is refused on the way, the savepoint is
    rolled back and the rows are done again in `_SPLIT` groups in order (each the same way), a
    group of at most `_APART` rows with a savepoint per row (savepoints cost two round trips
    each). `known` takes the people of the rows that landed."""
    if len(rows) <= 1:
        return await _apart(session, caller=caller, rows=rows, known=known, settings=settings)
    attempt = dict(known)
    try:
        async with session.begin_nested():
            tally = await _together(session, caller=caller, rows=rows, known=attempt, settings=settings)
    except (Problem, DBAPIError):
        if len(rows) <= _APART:
            return await _apart(session, caller=caller, rows=rows, known=known, settings=settings)
        tally = Tally()
        size = -(-len(rows) // _SPLIT)
        for first in range(0, len(rows), size):
            tally.merge(
                await _land(
                    session, caller=caller, rows=rows[first : first + size], known=known, settings=settings
                )
            )
        return tally
    known.update(attempt)
    return tally


async def apply_rows(
    session: AsyncSession, *, caller: Principal, rows: Sequence[dict[str, Any]], settings: ProfilesSettings
) -> Tally:
    """A batch of rows in the session's transaction (see `_land`); people are looked up afresh for
    each batch."""
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
    if any(row.sets_manager and row.manager_external_id is not None for _, row in parsed):
        # Taken by the transaction itself: a lock taken inside a savepoint is released when the
        # savepoint is rolled back, while the session would still believe it held.
        await lock_reporting_line(session, organization=caller.organization)
    tally.merge(await _land(session, caller=caller, rows=parsed, known=known, settings=settings))
    return tally
