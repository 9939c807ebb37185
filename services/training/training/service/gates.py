"""Readiness gates of a program: whether mentors, and mentees, must complete their course before
they can be matched. A change is published (`training.readiness_gates.updated`), and a task
publishes every assignment of the role again with its new `required_for_matching`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.training import ReadinessGates, ReadinessGatesUpdated
from shared.errors import not_found
from shared.locks import advisory_lock
from training import queries
from training.documents import Document, gates_document
from training.jobs import APPLY_GATES, queue
from training.models import GATES
from training.schemas import ReadinessGatesUpdate
from training.service.assignments import outbox


async def update_gates(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    changes: ReadinessGatesUpdate,
    if_match: str | None,
    now: datetime,
) -> Document:
    """Change a program's gates (If-Match: their version, `"0"` while the program has none)."""
    if await queries.program_organization(session, program_id=program_id) != caller.organization:
        raise not_found("program")
    # Serialize writers of one program's gates, including the first (no row to lock yet).
    await advisory_lock(session, f"training.gates.{program_id}")
    current = (await session.execute(select(GATES).where(GATES.c.program_id == program_id))).first()
    before = gates_document(program_id, current)
    check_if_match(if_match, before["version"])
    mentors = (
        before["mentors_must_complete"]
        if changes.mentors_must_complete is None
        else changes.mentors_must_complete
    )
    mentees = (
        before["mentees_must_complete"]
        if changes.mentees_must_complete is None
        else changes.mentees_must_complete
    )
    roles = [
        role
        for role, old, new in (
            ("mentor", before["mentors_must_complete"], mentors),
            ("mentee", before["mentees_must_complete"], mentees),
        )
        if old != new
    ]
    if not roles:
        return before
    version = before["version"] + 1
    values = {
        "program_id": program_id,
        "organization": caller.organization,
        "mentors_must_complete": mentors,
        "mentees_must_complete": mentees,
        "version": version,
        "updated_at": now,
    }
    statement = insert(GATES).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[GATES.c.program_id],
            set_={name: statement.excluded[name] for name in values if name != "program_id"},
        )
    )
    gates = ReadinessGates(
        program_id=program_id,
        organization=caller.organization,
        version=version,
        mentors_must_complete=mentors,
        mentees_must_complete=mentees,
    )
    await outbox.add(
        session, ReadinessGatesUpdated(gates=gates), organization=caller.organization, subject=str(program_id)
    )
    await queue.enqueue(
        session,
        APPLY_GATES,
        payload={"program_id": str(program_id), "roles": roles},
        key=f"{program_id}:{version}",
    )
    return gates_document(
        program_id, (await session.execute(select(GATES).where(GATES.c.program_id == program_id))).first()
    )
