"""Use cases of the profiles service: every state change and its event commit in one transaction.

Each function takes a session already inside a transaction (`shared.db.transaction`). A `Problem`
raised here rolls the whole transaction back, so a refused request writes nothing: no row and
no outbox event. Every change bumps the entity's `version` and publishes its full state.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, NoReturn

from pydantic import BaseModel
from sqlalchemy import bindparam, exists, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import access, lifecycle, queries
from profiles.models import CustomSkill, Enrollment, Person, Program, messaging
from profiles.schemas import (
    DEFAULT_SCORE_WEIGHTS,
    EnrollmentCreate,
    EnrollmentUpdate,
    PersonCreate,
    PersonUpdate,
    ProgramCreate,
    ProgramUpdate,
    SkillCreate,
)
from profiles.states import (
    Document,
    enrollment_document,
    person_document,
    program_document,
    skill_document,
)
from profiles.taxonomy import DEFAULT_SKILL_SLUGS, unknown_skills
from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentState,
    EnrollmentStatus,
    EnrollmentUpdated,
    EnrollmentWithdrawn,
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonState,
    PersonUpdated,
    ProgramCreated,
    ProgramState,
    ProgramStatus,
    ProgramUpdated,
    ScoreComponent,
    SkillCreated,
    SkillState,
)
from shared.errors import Problem
from shared.events import Event
from shared.outbox import Outbox

OUTBOX = Outbox(messaging.outbox)

# Unique constraints a request can run into, and the field each one is about.
_CONFLICTS: dict[str, tuple[str, str]] = {
    "uq_people_organization_email": ("email", "a person with this email already exists"),
    "uq_people_organization_external_id": ("external_id", "a person with this external id already exists"),
    "pk_people": ("id", "a person with this id already exists"),
    "pk_custom_skills": ("slug", "the organization already has this skill"),
    "uq_enrollments_program_id_person_id": ("person_id", "this person is already enrolled in the program"),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _field_error(field: str, message: str, kind: str) -> dict[str, str]:
    return {"field": f"body.{field}", "message": message, "type": kind}


def _invalid(field: str, message: str, kind: str = "value_error") -> Problem:
    return Problem(422, message, slug="validation-error", errors=[_field_error(field, message, kind)])


def _constraint_name(exc: IntegrityError) -> str:
    cause = getattr(exc.orig, "__cause__", None)
    return str(getattr(cause, "constraint_name", None) or getattr(exc.orig, "constraint_name", None) or "")


async def _flush(session: AsyncSession) -> None:
    """Write pending rows now, so a unique violation becomes a 409 naming the field."""
    try:
        await session.flush()
    except IntegrityError as exc:
        name = _constraint_name(exc)
        if name in _CONFLICTS:
            field, message = _CONFLICTS[name]
            raise Problem(
                409, message, slug="conflict", errors=[_field_error(field, message, "conflict")]
            ) from exc
        raise Problem(422, f"the request breaks a data constraint ({name or 'unknown'})") from exc


async def _publish(session: AsyncSession, event: Event, *, organization: str, subject: uuid.UUID) -> None:
    await OUTBOX.add(session, event, organization=organization, subject=str(subject))


async def _apply_change(session: AsyncSession, entity: Any, changed: dict[str, Any]) -> None:
    """Set the changed fields and bump the version: every change of an entity goes through here."""
    for name, value in changed.items():
        setattr(entity, name, value)
    entity.version += 1
    entity.updated_at = _now()
    await _flush(session)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


async def _locked(session: AsyncSession, model: type[Any], *, organization: str, row_id: uuid.UUID) -> Any:
    # FOR NO KEY UPDATE: foreign key checks of other transactions (a report naming this person as
    # manager, an enrollment) take KEY SHARE locks, which this does not block.
    return await session.scalar(
        select(model)
        .where(model.id == row_id, model.organization == organization)
        .with_for_update(key_share=True)
    )


# --- people ------------------------------------------------------------------------------------


def _person_values(fields: BaseModel, names: set[str]) -> dict[str, Any]:
    """Column values of the given fields: JSON documents for JSONB columns, UUIDs for ids."""
    values = fields.model_dump(mode="json", include=names)
    for key in ("id", "manager_id"):
        if values.get(key) is not None:
            values[key] = uuid.UUID(values[key])
    return values


async def _check_skills(session: AsyncSession, *, organization: str, lists: dict[str, list[Any]]) -> None:
    """Skills must come from the default taxonomy or the organization's own (422 naming each)."""
    outside = unknown_skills({item["skill"] for items in lists.values() for item in items}, set())
    if not outside:
        return
    unknown = outside - await queries.custom_skill_slugs(session, organization=organization, among=outside)
    errors = [
        _field_error(
            f"{field}.{index}.skill",
            f"unknown skill {item['skill']!r}: add it to the organization's skills first",
            "unknown_skill",
        )
        for field, items in lists.items()
        for index, item in enumerate(items)
        if item["skill"] in unknown
    ]
    if errors:
        raise Problem(422, "some skills are not in the organization's taxonomy", errors=errors)


async def _lock_reporting_line(session: AsyncSession, *, organization: str) -> None:
    """Serialize reporting-line changes per organization: two concurrent changes that are each fine
    alone (A reports to B, B reports to A) must not both commit. Taken once per transaction (it is
    held to its end), so a bulk import setting many managers asks for it once."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get("reporting_line_lock")
    if held is not None and held[0] is transaction and held[1] == organization:
        return
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
        {"key": f"profiles.reporting-line.{organization}"},
    )
    session.info["reporting_line_lock"] = (transaction, organization)


def _reporting_line_check() -> Any:
    """(whether the manager exists, whether the person is above them in their reporting line).

    Built once: composing the recursive query costs more than running it."""
    people = queries.PEOPLE
    manager_id: Any = bindparam("manager_id")
    organization: Any = bindparam("organization")
    chain = (
        select(people.c.id, people.c.manager_id)
        .where(people.c.id == manager_id, people.c.organization == organization)
        .cte("chain", recursive=True)
    )
    above = people.alias("above")
    chain = chain.union(
        select(above.c.id, above.c.manager_id).where(
            above.c.id == chain.c.manager_id, above.c.organization == organization
        )
    )
    return select(
        exists().where(people.c.id == manager_id, people.c.organization == organization),
        exists().where(chain.c.id == bindparam("person_id")),
    )


_REPORTING_LINE_CHECK = _reporting_line_check()


async def _check_manager(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, manager_id: uuid.UUID
) -> None:
    """The manager is another person of the organization, and the reporting line has no cycle."""
    if manager_id == person_id:
        raise _invalid("manager_id", "a person cannot be their own manager", "reporting_cycle")
    await _lock_reporting_line(session, organization=organization)
    found = (
        await session.execute(
            _REPORTING_LINE_CHECK,
            {"manager_id": manager_id, "organization": organization, "person_id": person_id},
        )
    ).one()
    if not found[0]:
        raise _invalid("manager_id", "no such person in the organization", "unknown_person")
    if found[1]:
        raise _invalid(
            "manager_id", "this manager would create a cycle in the reporting line", "reporting_cycle"
        )


async def create_person(session: AsyncSession, *, caller: Principal, fields: PersonCreate) -> Document:
    organization = caller.organization
    values = _person_values(fields, set(PersonCreate.model_fields))
    person_id = values.pop("id") or uuid.uuid4()
    await _check_skills(
        session,
        organization=organization,
        lists={"skills": values["skills"], "learning_interests": values["learning_interests"]},
    )
    if values["manager_id"] is not None:
        await _check_manager(
            session, organization=organization, person_id=person_id, manager_id=values["manager_id"]
        )
    now = _now()
    person = Person(
        id=person_id,
        organization=organization,
        active=True,
        version=1,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(person)
    await _flush(session)
    document = person_document(person)
    await _publish(
        session,
        PersonCreated(person=PersonState.model_validate(document)),
        organization=organization,
        subject=person_id,
    )
    return document


async def _person_to_change(
    session: AsyncSession, *, caller: Principal, person_id: uuid.UUID, if_match: str | None
) -> Person:
    """The person, locked, once the caller may change them and named the current version."""
    person: Person | None = await _locked(session, Person, organization=caller.organization, row_id=person_id)
    if person is None:
        raise Problem(404, "person not found")
    if not access.may_edit_person(caller, person_id):
        if person.active and await queries.shares_program(session, caller=caller, person_id=person_id):
            raise Problem(403, "you may only change your own profile")
        raise Problem(404, "person not found")
    check_if_match(if_match, person.version)
    return person


async def update_person(
    session: AsyncSession,
    *,
    caller: Principal,
    person_id: uuid.UUID,
    changes: PersonUpdate,
    if_match: str | None,
) -> Document:
    """Replace the fields present in `changes`; a person may not change the admin-only ones."""
    if changes.manager_id is not None:
        # Before any row lock, so that waiting for it never holds a lock another change needs.
        await _lock_reporting_line(session, organization=caller.organization)
    person = await _person_to_change(session, caller=caller, person_id=person_id, if_match=if_match)
    fields = set(changes.model_fields_set)
    reserved = access.fields_reserved_for_admins(caller, fields)
    if reserved:
        message = "only an admin or the HR integration may change this field"
        raise Problem(
            403,
            f"only an admin or the HR integration may change: {', '.join(reserved)}",
            errors=[_field_error(name, message, "forbidden") for name in reserved],
        )
    values = _person_values(changes, fields)
    changed = {name: value for name, value in values.items() if getattr(person, name) != value}
    if not changed:
        return person_document(person)
    lists: dict[str, list[Any]] = {
        name: changed[name] for name in ("skills", "learning_interests") if name in changed
    }
    if lists:
        await _check_skills(session, organization=caller.organization, lists=lists)
    if changed.get("manager_id") is not None:
        await _check_manager(
            session, organization=caller.organization, person_id=person_id, manager_id=changed["manager_id"]
        )
    await _apply_change(session, person, changed)
    document = person_document(person)
    await _publish(
        session,
        PersonUpdated(person=PersonState.model_validate(document), changed=sorted(changed)),
        organization=caller.organization,
        subject=person_id,
    )
    return document


async def set_person_active(
    session: AsyncSession, *, caller: Principal, person_id: uuid.UUID, active: bool, if_match: str | None
) -> Document:
    """Deactivate or reactivate; doing it twice is harmless (no new version, no event)."""
    person: Person | None = await _locked(session, Person, organization=caller.organization, row_id=person_id)
    if person is None:
        raise Problem(404, "person not found")
    if if_match is not None:
        check_if_match(if_match, person.version)
    if person.active == active:
        return person_document(person)
    await _apply_change(session, person, {"active": active})
    document = person_document(person)
    state = PersonState.model_validate(document)
    event: Event = PersonReactivated(person=state) if active else PersonDeactivated(person=state)
    await _publish(session, event, organization=caller.organization, subject=person_id)
    return document


# --- skills ------------------------------------------------------------------------------------


async def create_skill(session: AsyncSession, *, caller: Principal, fields: SkillCreate) -> Document:
    if fields.slug in DEFAULT_SKILL_SLUGS:
        message = "this skill is already in the default taxonomy"
        raise Problem(409, message, slug="conflict", errors=[_field_error("slug", message, "conflict")])
    skill = CustomSkill(
        organization=caller.organization,
        slug=fields.slug,
        label=fields.label,
        category=fields.category.value,
        created_at=_now(),
    )
    session.add(skill)
    await _flush(session)
    document = skill_document(skill)
    await OUTBOX.add(
        session,
        SkillCreated(skill=SkillState.model_validate(document)),
        organization=caller.organization,
        subject=fields.slug,
    )
    return document


# --- programs ----------------------------------------------------------------------------------


def _score_weights(current: dict[str, float], given: dict[ScoreComponent, float]) -> dict[str, float]:
    """Given weights over the current ones; every component present, at least one positive."""
    merged = {**current, **{component.value: weight for component, weight in given.items()}}
    weights = {component.value: float(merged.get(component.value, 0.0)) for component in ScoreComponent}
    if not any(weight > 0 for weight in weights.values()):
        raise _invalid("score_weights", "at least one score weight must be positive")
    return weights


def _check_cohort(start: date, end: date) -> None:
    if end <= start:
        raise _invalid("cohort_end", "cohort_end must be after cohort_start")


async def create_program(session: AsyncSession, *, caller: Principal, fields: ProgramCreate) -> Document:
    values = {name: _plain(value) for name, value in fields.model_dump(exclude={"score_weights"}).items()}
    defaults = {component.value: weight for component, weight in DEFAULT_SCORE_WEIGHTS.items()}
    now = _now()
    program = Program(
        id=uuid.uuid4(),
        organization=caller.organization,
        score_weights=_score_weights(defaults, fields.score_weights),
        version=1,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(program)
    await _flush(session)
    document = program_document(program)
    await _publish(
        session,
        ProgramCreated(program=ProgramState.model_validate(document)),
        organization=caller.organization,
        subject=program.id,
    )
    return document


async def update_program(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    changes: ProgramUpdate,
    if_match: str | None,
) -> Document:
    program: Program | None = await _locked(
        session, Program, organization=caller.organization, row_id=program_id
    )
    if program is None:
        raise Problem(404, "program not found")
    check_if_match(if_match, program.version)
    fields = changes.model_fields_set
    values = {name: _plain(value) for name, value in changes.model_dump(include=fields).items()}
    if "score_weights" in values:
        values["score_weights"] = _score_weights(program.score_weights, changes.score_weights or {})
    _check_cohort(
        values.get("cohort_start", program.cohort_start), values.get("cohort_end", program.cohort_end)
    )
    if "status" in values and not lifecycle.program_transition_allowed(
        ProgramStatus(program.status), ProgramStatus(values["status"])
    ):
        raise Problem(
            409, f"a {program.status} program cannot become {values['status']}", slug="invalid-transition"
        )
    changed = {name: value for name, value in values.items() if getattr(program, name) != value}
    if not changed:
        return program_document(program)
    await _apply_change(session, program, changed)
    document = program_document(program)
    await _publish(
        session,
        ProgramUpdated(program=ProgramState.model_validate(document), changed=sorted(changed)),
        organization=caller.organization,
        subject=program_id,
    )
    return document


# --- enrollments -------------------------------------------------------------------------------


def _refuse(status: int, message: str) -> NoReturn:
    raise Problem(status, message)


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
    caller_id = access.person_id_of(caller)
    person_id = fields.person_id or caller_id
    if person_id is None:
        raise _invalid("person_id", "person_id is required (the caller is not a person)", "missing")
    if not caller.is_admin:
        if person_id != caller_id:
            _refuse(403, "you may only enroll yourself")
        if fields.status == EnrollmentStatus.ACTIVE:
            _refuse(403, "only an admin can enroll someone as active")
    if program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")
    person: Person | None = await session.scalar(
        select(Person)
        .where(Person.id == person_id, Person.organization == organization)
        .with_for_update(read=True)
    )
    if person is None:
        raise _invalid("person_id", "no such person in the organization", "unknown_person")
    if not person.active:
        raise _invalid("person_id", "the person is deactivated", "inactive_person")
    status = fields.status or (EnrollmentStatus.ACTIVE if caller.is_admin else EnrollmentStatus.PENDING)
    now = _now()
    enrollment = Enrollment(
        id=uuid.uuid4(),
        organization=organization,
        program_id=program_id,
        person_id=person_id,
        role=fields.role.value,
        goals=list(fields.goals),
        status=status.value,
        mentor_capacity=fields.mentor_capacity,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(enrollment)
    await _flush(session)
    document = enrollment_document(enrollment)
    await _publish(
        session,
        EnrollmentCreated(enrollment=EnrollmentState.model_validate(document)),
        organization=organization,
        subject=enrollment.id,
    )
    return document


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
        _refuse(403, "you may only change your own enrollment")
    return enrollment, program


def _check_status_change(
    caller: Principal, *, program: Program, current: EnrollmentStatus, new: EnrollmentStatus
) -> None:
    if new == current:
        return
    if not lifecycle.enrollment_transition_allowed(current, new):
        raise Problem(409, f"a {current} enrollment cannot become {new}", slug="invalid-transition")
    if not caller.is_admin and not lifecycle.self_service_transition(current, new):
        _refuse(403, f"only an admin can make an enrollment {new}")
    if new in lifecycle.OPEN_PROGRAM_STATUSES and program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")


async def _save_enrollment(
    session: AsyncSession, *, caller: Principal, enrollment: Enrollment, changed: dict[str, Any]
) -> Document:
    await _apply_change(session, enrollment, changed)
    document = enrollment_document(enrollment)
    state = EnrollmentState.model_validate(document)
    event: Event = (
        EnrollmentWithdrawn(enrollment=state)
        if changed.get("status") == EnrollmentStatus.WITHDRAWN
        else EnrollmentUpdated(enrollment=state, changed=sorted(changed))
    )
    await _publish(session, event, organization=caller.organization, subject=enrollment.id)
    return document


async def update_enrollment(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    enrollment_id: uuid.UUID,
    changes: EnrollmentUpdate,
    if_match: str | None,
) -> Document:
    """Goals and status by the enrolled person or an admin; the capacity override by an admin."""
    enrollment, program = await _enrollment_to_change(
        session, caller=caller, program_id=program_id, enrollment_id=enrollment_id
    )
    check_if_match(if_match, enrollment.version)
    fields = changes.model_fields_set
    if "mentor_capacity" in fields and not caller.is_admin:
        _refuse(403, "only an admin can change the capacity of an enrollment")
    values = {name: _plain(value) for name, value in changes.model_dump(include=fields).items()}
    if values.get("mentor_capacity") is not None and enrollment.role != "mentor":
        raise _invalid("mentor_capacity", "mentor_capacity applies to mentors only")
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
    return await _save_enrollment(session, caller=caller, enrollment=enrollment, changed=changed)


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
        session, caller=caller, enrollment=enrollment, changed={"status": EnrollmentStatus.WITHDRAWN.value}
    )
