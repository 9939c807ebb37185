"""Use cases of enrollments: enroll a person (or yourself) in a program, change goals, status or
capacity, withdraw."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import access, lifecycle, queries
from profiles.documents import Document, enrollment_document
from profiles.formats import check_role
from profiles.models import Enrollment, Person, Program
from profiles.schemas import EnrollmentCreate, EnrollmentUpdate
from profiles.service.changes import plain, record_change, record_creation
from profiles.service.intake import checked_answers
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentRole,
    EnrollmentState,
    EnrollmentStatus,
    EnrollmentUpdated,
    EnrollmentWithdrawn,
    ProgramFormat,
    ProgramStatus,
)
from shared.errors import Problem, invalid_field
from shared.events import Event


def _program_closed() -> Problem:
    return Problem(409, "the program is closed", slug="program-closed")


async def enroll(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, fields: EnrollmentCreate
) -> Document:
    """An admin enrolls anyone (active unless said otherwise); a person enrolls themself (pending)."""
    organization = caller.organization
    program: Program | None = await session.scalar(
        select(Program)
        .where(Program.id == program_id, Program.organization == organization)
        .with_for_update(read=True)
    )
    if program is None or not access.program_visible(caller, program.status):
        raise Problem(404, "program not found")
    caller_id = caller.person_id
    person_id = fields.person_id or caller_id
    if person_id is None:
        raise invalid_field("person_id", "person_id is required (the caller is not a person)", kind="missing")
    if not caller.is_admin:
        if person_id != caller_id:
            raise Problem(403, "you may only enroll yourself")
        if fields.status == EnrollmentStatus.ACTIVE:
            raise Problem(403, "only an admin can enroll someone as active")
    if program.status == ProgramStatus.CLOSED:
        raise _program_closed()
    check_role(ProgramFormat(program.format), fields.role)
    person: Person | None = await session.scalar(
        select(Person)
        .where(Person.id == person_id, Person.organization == organization)
        .with_for_update(read=True)
    )
    if person is None:
        raise invalid_field("person_id", "no such person in the organization", kind="unknown_person")
    if not person.active:
        raise invalid_field("person_id", "the person is deactivated", kind="inactive_person")
    status = fields.status or (EnrollmentStatus.ACTIVE if caller.is_admin else EnrollmentStatus.PENDING)
    # A person enrolling themself answers every required intake question; an admin may leave them.
    answers, matching_answers = await checked_answers(
        session,
        organization=organization,
        program_id=program_id,
        role=fields.role,
        answers=dict(fields.intake_answers),
        require_all=not caller.is_admin,
    )
    now = utcnow()
    enrollment = Enrollment(
        id=uuid.uuid4(),
        organization=organization,
        program_id=program_id,
        person_id=person_id,
        role=fields.role.value,
        goals=list(fields.goals),
        status=status.value,
        mentor_capacity=fields.mentor_capacity,
        intake_answers=answers,
        matching_answers=matching_answers,
        version=1,
        created_at=now,
        updated_at=now,
    )
    return await record_creation(
        session,
        enrollment,
        document_of=enrollment_document,
        event_of=lambda document: EnrollmentCreated(enrollment=EnrollmentState.model_validate(document)),
    )


async def _enrollment_to_change(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    enrollment_id: uuid.UUID,
) -> tuple[Enrollment, Program]:
    """The enrollment, locked, with its program, once the caller may change it."""
    found = (
        await session.execute(
            select(Enrollment, Program)
            .join(Program, Program.id == Enrollment.program_id)
            .where(
                Enrollment.id == enrollment_id,
                Enrollment.program_id == program_id,
                Enrollment.organization == caller.organization,
            )
            .with_for_update(of=Enrollment)
        )
    ).first()
    if found is None or not access.program_visible(caller, found[1].status):
        raise Problem(404, "enrollment not found")
    enrollment, program = found
    if not access.may_edit_enrollment(caller, enrollment.person_id):
        visible = access.enrollment_visibility(
            caller,
            person_id=enrollment.person_id,
            status=enrollment.status,
            caller_is_member=await queries.is_member(session, caller=caller, program_id=program_id),
        )
        if visible is None:
            raise Problem(404, "enrollment not found")
        raise Problem(403, "you may only change your own enrollment")
    return enrollment, program


def _check_status_change(
    caller: Principal, *, program: Program, current: EnrollmentStatus, new: EnrollmentStatus
) -> None:
    if new == current:
        return
    if not lifecycle.enrollment_transition_allowed(current, new):
        raise Problem(409, f"a {current} enrollment cannot become {new}", slug="invalid-transition")
    if not caller.is_admin and not lifecycle.self_service_transition(current, new):
        raise Problem(403, f"only an admin can make an enrollment {new}")
    if new in lifecycle.OPEN_PROGRAM_STATUSES and program.status == ProgramStatus.CLOSED:
        raise _program_closed()


async def _save_enrollment(
    session: AsyncSession, *, enrollment: Enrollment, changed: dict[str, Any]
) -> Document:
    def event_of(document: Document) -> Event:
        state = EnrollmentState.model_validate(document)
        if changed.get("status") == EnrollmentStatus.WITHDRAWN:
            return EnrollmentWithdrawn(enrollment=state)
        return EnrollmentUpdated(enrollment=state, changed=sorted(changed))

    return await record_change(
        session, enrollment, changed, document_of=enrollment_document, event_of=event_of
    )


async def update_enrollment(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    enrollment_id: uuid.UUID,
    changes: EnrollmentUpdate,
    if_match: str | None,
) -> Document:
    """Goals, status and intake answers by the enrolled person or an admin; the capacity override by
    an admin."""
    enrollment, program = await _enrollment_to_change(
        session, caller=caller, program_id=program_id, enrollment_id=enrollment_id
    )
    check_if_match(if_match, enrollment.version)
    fields = changes.model_fields_set
    if "mentor_capacity" in fields and not caller.is_admin:
        raise Problem(403, "only an admin can change the capacity of an enrollment")
    values = {name: plain(value) for name, value in changes.model_dump(include=fields).items()}
    if values.get("mentor_capacity") is not None and enrollment.role != "mentor":
        raise invalid_field("mentor_capacity", "mentor_capacity applies to mentors only")
    if "intake_answers" in values:
        values["intake_answers"], values["matching_answers"] = await checked_answers(
            session,
            organization=caller.organization,
            program_id=program_id,
            role=EnrollmentRole(enrollment.role),
            answers=dict(changes.intake_answers or {}),
            require_all=not caller.is_admin,
        )
    if "status" in values:
        _check_status_change(
            caller,
            program=program,
            current=EnrollmentStatus(enrollment.status),
            new=EnrollmentStatus(values["status"]),
        )
    changed = {name: value for name, value in values.items() if getattr(enrollment, name) != value}
    if not changed:
        return enrollment_document(enrollment)
    return await _save_enrollment(session, enrollment=enrollment, changed=changed)


async def withdraw_enrollment(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    enrollment_id: uuid.UUID,
    if_match: str | None,
) -> Document:
    """Withdraw (idempotent: withdrawing twice changes nothing the second time)."""
    enrollment, program = await _enrollment_to_change(
        session, caller=caller, program_id=program_id, enrollment_id=enrollment_id
    )
    if if_match is not None:
        check_if_match(if_match, enrollment.version)
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return enrollment_document(enrollment)
    _check_status_change(
        caller,
        program=program,
        current=EnrollmentStatus(enrollment.status),
        new=EnrollmentStatus.WITHDRAWN,
    )
    return await _save_enrollment(
        session, enrollment=enrollment, changed={"status": EnrollmentStatus.WITHDRAWN.value}
    )
