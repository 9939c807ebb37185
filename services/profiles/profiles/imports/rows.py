"""Applying import rows: each row goes through the same use cases as the API (create or update a
person, deactivate or reactivate), so it lands with the same checks and the same events.

Rows are idempotent on `external_id`: a new one is created, a changed one updated, an unchanged
one skipped (no write, no event). A bad row is rolled back alone and reported with its row number
and fields; the good ones land. (A batch goes through in one savepoint; when a row is refused on
the way, the batch is done again with a savepoint per row.)
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
    # What the file does not say, a new person gets from the settings.
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


Parsed = Sequence[tuple[dict[str, Any], RowFields]]


async def _rows(
    session: AsyncSession,
    *,
    caller: Principal,
    rows: Parsed,
    known: dict[str, Known],
    settings: ProfilesSettings,
    apart: bool,
) -> Tally:
    """The rows one after the other. Together (the fast path), a row the profiles use cases refuse
    raises (its partial write is in the transaction) and the batch must be done again apart: each
    row in a savepoint of its own, so that a refused row is rolled back alone."""
    tally = Tally()
    for raw, row in rows:
        savepoint: AbstractAsyncContextManager[Any] = session.begin_nested() if apart else nullcontext()
        try:
            async with savepoint:
                outcome, person = await _write_row(
                    session, caller=caller, row=row, known=known, settings=settings
                )
        except RowFailed as failure:  # refused before it wrote anything
            tally.add(raw, Outcome.FAILED, failure.errors)
        except Problem as problem:
            if not apart:
                raise
            tally.add(raw, Outcome.FAILED, _problem_errors(problem))
        else:
            assert row.external_id is not None
            known[row.external_id] = person
            tally.add(raw, outcome, [])
    return tally


async def apply_rows(
    session: AsyncSession, *, caller: Principal, rows: Sequence[dict[str, Any]], settings: ProfilesSettings
) -> Tally:
    """A batch of rows in the session's transaction; people are looked up afresh for each batch.
    Rows go through together in one savepoint; if one of them is refused on the way, that
    savepoint is rolled back and the batch is done again with a savepoint per row (savepoints
    cost two round trips each)."""
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
            done = await _rows(
                session, caller=caller, rows=parsed, known=dict(known), settings=settings, apart=False
            )
    except (Problem, DBAPIError):
        done = await _rows(session, caller=caller, rows=parsed, known=known, settings=settings, apart=True)
    tally.merge(done)
    return tally
