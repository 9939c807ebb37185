"""Reads: every query is scoped to the caller's organization and is one indexed statement.

Reads are Core statements (no ORM identity map) on the shared `Reader` session; they also run on
a use case's session when it needs them inside its transaction. Lists page with
`shared.pagination.keyset_page` over (created_at, id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, case, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import access
from profiles.access import LIVE_ENROLLMENT, Visibility
from profiles.documents import (
    IMPORT_FIELDS,
    Document,
    enrollment_document,
    enrollment_view,
    import_document,
    own_personality,
    person_document,
    person_view,
    personality_result_document,
    personality_taken,
    program_document,
    self_id_attribute_document,
    skill_document,
)
from profiles.intake import Question, QuestionKind
from profiles.models import (
    CustomSkill,
    Enrollment,
    ImportJob,
    IntakeQuestion,
    Person,
    PersonalityProfile,
    PersonalityResult,
    Program,
    SelfIdAttribute,
    SelfIdConsent,
    SelfIdentification,
)
from shared.auth import Principal
from shared.contracts.profiles import EnrollmentRole, IntakeCriterionKind
from shared.errors import Problem
from shared.pagination import Keyset, keyset_page

PEOPLE = cast(Table, Person.__table__)
PROGRAMS = cast(Table, Program.__table__)
ENROLLMENTS = cast(Table, Enrollment.__table__)
SKILLS = cast(Table, CustomSkill.__table__)
IMPORTS = cast(Table, ImportJob.__table__)


def shares_a_program(organization: Any, caller_id: Any, person_id: Any) -> ColumnElement[bool]:
    """Whether the caller and `person_id` hold live enrollments in one program: the rule by which
    mentors and mentees see each other. The one definition: list filters, use cases and the
    person lookup's prepared statement (`profiles.person_lookup`) are all built from it."""
    mine = ENROLLMENTS.alias("mine")
    theirs = ENROLLMENTS.alias("theirs")
    return exists().where(
        mine.c.organization == organization,
        mine.c.person_id == caller_id,
        mine.c.status.in_(LIVE_ENROLLMENT),
        theirs.c.program_id == mine.c.program_id,
        theirs.c.person_id == person_id,
        theirs.c.status.in_(LIVE_ENROLLMENT),
    )


async def _page(
    db: AsyncSession, query: Select[Any], table: Table, *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    return await keyset_page(db, query, key=(table.c.created_at, table.c.id), limit=limit, cursor=cursor)


# --- people ------------------------------------------------------------------------------------


async def shares_program(db: AsyncSession, *, caller: Principal, person_id: uuid.UUID) -> bool:
    caller_id = caller.person_id
    if caller_id is None:
        return False
    return bool(await db.scalar(select(shares_a_program(caller.organization, caller_id, person_id))))


@dataclass(frozen=True, kw_only=True)
class PeopleFilter:
    department: str | None = None
    active: bool | None = None
    skills: tuple[str, ...] = ()
    q: str | None = None
    external_id: str | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_people(
    db: AsyncSession, *, caller: Principal, filters: PeopleFilter, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """Admins and the integration see everyone; others see themselves and fellow program members."""
    organization = caller.organization
    query = select(PEOPLE).where(PEOPLE.c.organization == organization)
    privileged = access.manages_people(caller)
    caller_id = caller.person_id
    if not privileged:
        if filters.external_id is not None:
            raise Problem(403, "filtering by external_id requires the admin or integration role")
        if caller_id is None:
            return [], None
        query = query.where(
            or_(
                PEOPLE.c.id == caller_id,
                and_(PEOPLE.c.active.is_(True), shares_a_program(organization, caller_id, PEOPLE.c.id)),
            )
        )
    if filters.department is not None:
        query = query.where(PEOPLE.c.department == filters.department)
    if filters.active is not None:
        query = query.where(PEOPLE.c.active.is_(filters.active))
    for skill in filters.skills:
        query = query.where(PEOPLE.c.skills.contains([{"skill": skill}]))
    if filters.q:
        pattern = _like(filters.q)
        # Members search by name only: searching by email would reveal the addresses.
        query = query.where(
            or_(PEOPLE.c.name.ilike(pattern), PEOPLE.c.email.ilike(pattern))
            if privileged
            else PEOPLE.c.name.ilike(pattern)
        )
    if filters.external_id is not None:
        query = query.where(PEOPLE.c.external_id == filters.external_id)
    rows, next_cursor = await _page(db, query, PEOPLE, limit=limit, cursor=cursor)
    items = []
    for row in rows:
        visibility = Visibility.FULL if privileged or row.id == caller_id else Visibility.PUBLIC
        items.append(person_view(person_document(row), visibility))
    return items, next_cursor


# --- skills ------------------------------------------------------------------------------------


async def custom_skills(db: AsyncSession, *, organization: str) -> list[Document]:
    rows = await db.execute(
        select(SKILLS).where(SKILLS.c.organization == organization).order_by(SKILLS.c.slug)
    )
    return [skill_document(row) for row in rows]


async def custom_skill_slugs(db: AsyncSession, *, organization: str, among: set[str]) -> set[str]:
    rows = await db.execute(
        select(SKILLS.c.slug).where(SKILLS.c.organization == organization, SKILLS.c.slug.in_(among))
    )
    return set(rows.scalars())


# --- programs ----------------------------------------------------------------------------------


async def program_for(db: AsyncSession, *, caller: Principal, program_id: uuid.UUID) -> Document | None:
    row = (
        await db.execute(
            select(PROGRAMS).where(
                PROGRAMS.c.id == program_id, PROGRAMS.c.organization == caller.organization
            )
        )
    ).first()
    if row is None or not access.program_visible(caller, row.status):
        return None
    return program_document(row)


async def list_programs(
    db: AsyncSession,
    *,
    caller: Principal,
    status: str | None,
    objective: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None]:
    query = select(PROGRAMS).where(PROGRAMS.c.organization == caller.organization)
    if not caller.is_admin:
        query = query.where(PROGRAMS.c.status != "draft")
    if status is not None:
        query = query.where(PROGRAMS.c.status == status)
    if objective is not None:
        query = query.where(PROGRAMS.c.objective == objective)
    rows, next_cursor = await _page(db, query, PROGRAMS, limit=limit, cursor=cursor)
    return [program_document(row) for row in rows], next_cursor


# --- enrollments -------------------------------------------------------------------------------


async def is_member(db: AsyncSession, *, caller: Principal, program_id: uuid.UUID) -> bool:
    """Whether the caller holds a live enrollment in the program."""
    caller_id = caller.person_id
    if caller_id is None:
        return False
    found = await db.scalar(
        select(ENROLLMENTS.c.id).where(
            ENROLLMENTS.c.organization == caller.organization,
            ENROLLMENTS.c.program_id == program_id,
            ENROLLMENTS.c.person_id == caller_id,
            ENROLLMENTS.c.status.in_(LIVE_ENROLLMENT),
        )
    )
    return found is not None


async def enrollment_for(
    db: AsyncSession, *, caller: Principal, program_id: uuid.UUID, enrollment_id: uuid.UUID
) -> tuple[Document, Visibility] | None:
    program = await program_for(db, caller=caller, program_id=program_id)
    if program is None:
        return None
    row = (
        await db.execute(
            select(ENROLLMENTS).where(
                ENROLLMENTS.c.id == enrollment_id,
                ENROLLMENTS.c.program_id == program_id,
                ENROLLMENTS.c.organization == caller.organization,
            )
        )
    ).first()
    if row is None:
        return None
    member = (
        False
        if caller.is_admin or access.is_self(caller, row.person_id)
        else await is_member(db, caller=caller, program_id=program_id)
    )
    visibility = access.enrollment_visibility(
        caller, person_id=row.person_id, status=row.status, caller_is_member=member
    )
    if visibility is None:
        return None
    return enrollment_document(row), visibility


async def list_enrollments(
    db: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    role: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None]:
    """Admins see every enrollment; members see their own and the live ones of others."""
    if await program_for(db, caller=caller, program_id=program_id) is None:
        raise Problem(404, "program not found")
    caller_id = caller.person_id
    query = select(ENROLLMENTS).where(
        ENROLLMENTS.c.organization == caller.organization, ENROLLMENTS.c.program_id == program_id
    )
    if not caller.is_admin:
        if not await is_member(db, caller=caller, program_id=program_id):
            raise Problem(403, "only members of this program see its enrollments")
        query = query.where(
            or_(ENROLLMENTS.c.person_id == caller_id, ENROLLMENTS.c.status.in_(LIVE_ENROLLMENT))
        )
    if role is not None:
        query = query.where(ENROLLMENTS.c.role == role)
    if status is not None:
        query = query.where(ENROLLMENTS.c.status == status)
    rows, next_cursor = await _page(db, query, ENROLLMENTS, limit=limit, cursor=cursor)
    items = []
    for row in rows:
        visibility = Visibility.FULL if caller.is_admin or row.person_id == caller_id else Visibility.PUBLIC
        items.append(enrollment_view(enrollment_document(row), visibility))
    return items, next_cursor


async def enrollments_of(
    db: AsyncSession, *, caller: Principal, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """The caller's own enrollments, in every program and status."""
    caller_id = caller.person_id
    if caller_id is None:
        return [], None
    query = select(ENROLLMENTS).where(
        ENROLLMENTS.c.organization == caller.organization, ENROLLMENTS.c.person_id == caller_id
    )
    rows, next_cursor = await _page(db, query, ENROLLMENTS, limit=limit, cursor=cursor)
    return [enrollment_view(enrollment_document(row), Visibility.FULL) for row in rows], next_cursor


# --- imports -----------------------------------------------------------------------------------


async def list_imports(
    db: AsyncSession, *, organization: str, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """The organization's imports of people, newest first (with their results, without rows)."""
    query = select(*(IMPORTS.c[name] for name in IMPORT_FIELDS)).where(IMPORTS.c.organization == organization)
    key = Keyset((IMPORTS.c.created_at, IMPORTS.c.id), descending=True)
    rows, next_cursor = await keyset_page(db, query, key=key, limit=limit, cursor=cursor)
    return [import_document(row) for row in rows], next_cursor


async def import_for(db: AsyncSession, *, organization: str, import_id: uuid.UUID) -> Document | None:
    """An import's progress and result (without its rows)."""
    row = (
        await db.execute(
            select(*(IMPORTS.c[name] for name in IMPORT_FIELDS)).where(
                IMPORTS.c.id == import_id, IMPORTS.c.organization == organization
            )
        )
    ).first()
    return None if row is None else import_document(row)


# --- intake questionnaires ---------------------------------------------------------------------


def question_of(row: Any) -> Question:
    return Question(
        id=row.id,
        kind=QuestionKind(row.kind),
        prompt=row.prompt,
        roles=frozenset(EnrollmentRole(role) for role in row.roles),
        required=row.required,
        options=tuple((option["id"], option["label"]) for option in row.options),
        scale_min=row.scale_min,
        scale_max=row.scale_max,
        criterion=IntakeCriterionKind(row.criterion) if row.criterion else None,
    )


async def questions_of(db: AsyncSession, program_id: uuid.UUID) -> list[Question]:
    """A program's questions in order."""
    rows = await db.scalars(
        select(IntakeQuestion)
        .where(IntakeQuestion.program_id == program_id)
        .order_by(IntakeQuestion.position, IntakeQuestion.id)
    )
    return [question_of(row) for row in rows]


async def questionnaire_for(
    db: AsyncSession, *, caller: Principal, program_id: uuid.UUID, role: EnrollmentRole | None
) -> tuple[Document, list[Question]]:
    """A program's questions (those asked of `role`, when given) as any member of the
    organization may read them before enrolling; 404 for a program the caller cannot see."""
    program = await program_for(db, caller=caller, program_id=program_id)
    if program is None:
        raise Problem(404, "program not found")
    questions = await questions_of(db, program_id)
    if role is not None:
        questions = [question for question in questions if role in question.roles]
    return program, questions


async def enrollment_intake(
    db: AsyncSession, *, caller: Principal, program_id: uuid.UUID, enrollment_id: uuid.UUID
) -> tuple[Any, list[Question]]:
    """An enrollment's answers with the program's questions: the enrolled person's and admins' only
    (members who may see the enrollment get a 403, everyone else a 404)."""
    found = await enrollment_for(db, caller=caller, program_id=program_id, enrollment_id=enrollment_id)
    if found is None:
        raise Problem(404, "enrollment not found")
    enrollment, visibility = found
    if visibility is not Visibility.FULL:
        raise Problem(403, "only the enrolled person and admins see intake answers")
    row = (
        await db.execute(
            select(
                ENROLLMENTS.c.id, ENROLLMENTS.c.program_id, ENROLLMENTS.c.role, ENROLLMENTS.c.intake_answers
            ).where(ENROLLMENTS.c.id == enrollment["id"])
        )
    ).one()
    return row, await questions_of(db, program_id)


# --- personality -------------------------------------------------------------------------------


async def personality_for(db: AsyncSession, *, caller: Principal, person_id: uuid.UUID) -> Document:
    """The person's own result; for an admin, only whether it was taken; 404 for anyone else."""
    if not (access.is_self(caller, person_id) or caller.is_admin):
        raise Problem(404, "person not found")
    exists_in_org = await db.scalar(
        select(PEOPLE.c.id).where(PEOPLE.c.id == person_id, PEOPLE.c.organization == caller.organization)
    )
    if exists_in_org is None:
        raise Problem(404, "person not found")
    profile = await db.scalar(
        select(PersonalityProfile).where(
            PersonalityProfile.person_id == person_id, PersonalityProfile.organization == caller.organization
        )
    )
    if access.is_self(caller, person_id):
        return own_personality(person_id, profile)
    return personality_taken(person_id, profile)


def _own_only(caller: Principal, person_id: uuid.UUID) -> None:
    if not access.is_self(caller, person_id):
        if caller.is_admin:
            raise Problem(403, "only the person sees their personality results")
        raise Problem(404, "person not found")


async def personality_history(
    db: AsyncSession, *, caller: Principal, person_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """The person's takes, oldest first (their own only)."""
    _own_only(caller, person_id)
    query = select(PersonalityResult).where(
        PersonalityResult.person_id == person_id, PersonalityResult.organization == caller.organization
    )
    rows, next_cursor = await keyset_page(
        db,
        query,
        key=(PersonalityResult.taken_at, PersonalityResult.id),
        limit=limit,
        cursor=cursor,
        scalars=True,
    )
    return [personality_result_document(row) for row in rows], next_cursor


# --- self-identification -----------------------------------------------------------------------
# Values are read for the person themself alone: no query here takes a person id other than the
# caller's, so no token (an admin's included) can read anyone else's.


async def self_id_attributes(db: AsyncSession, *, caller: Principal) -> list[Document]:
    """The organization's attributes (enabled ones; admins see disabled ones too)."""
    query = select(SelfIdAttribute).where(SelfIdAttribute.organization == caller.organization)
    if not caller.is_admin:
        query = query.where(SelfIdAttribute.enabled.is_(True))
    rows = await db.scalars(query.order_by(SelfIdAttribute.slug))
    return [self_id_attribute_document(row) for row in rows]


@dataclass(frozen=True)
class OwnSelfIdentification:
    entries: list[tuple[Any, Any]]  # (value row, attribute row): values still sealed
    consents: list[Any]


async def own_self_identification(db: AsyncSession, *, caller: Principal) -> OwnSelfIdentification:
    """The caller's sealed values with their attributes, and the caller's consent record."""
    person_id = caller.person_id
    if person_id is None:
        return OwnSelfIdentification([], [])
    entries = (
        await db.execute(
            select(SelfIdentification, SelfIdAttribute)
            .join(
                SelfIdAttribute,
                and_(
                    SelfIdAttribute.organization == SelfIdentification.organization,
                    SelfIdAttribute.slug == SelfIdentification.attribute,
                ),
            )
            .where(
                SelfIdentification.person_id == person_id,
                SelfIdentification.organization == caller.organization,
            )
            .order_by(SelfIdentification.attribute)
        )
    ).all()
    # Oldest change first. One change records all its rows at the same instant: there, revocations
    # come before grants (a changed value or purpose list replaces consent), then by attribute and
    # purpose, so the record reads the same every time.
    consents = await db.scalars(
        select(SelfIdConsent)
        .where(SelfIdConsent.person_id == person_id, SelfIdConsent.organization == caller.organization)
        .order_by(
            SelfIdConsent.recorded_at,
            case((SelfIdConsent.action == "revoked", 0), else_=1),
            SelfIdConsent.attribute,
            SelfIdConsent.purpose,
            SelfIdConsent.id,
        )
    )
    return OwnSelfIdentification([(row[0], row[1]) for row in entries], list(consents))


# --- personal data (download) ---------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalData:
    personality: Any | None
    personality_history: list[Any]
    self_identification: OwnSelfIdentification
    enrollments: list[tuple[Any, str, list[Question]]]  # (enrollment row, program name, questions)


async def personal_data_of(db: AsyncSession, *, caller: Principal, person_id: uuid.UUID) -> PersonalData:
    """What the platform holds on the caller about personality, intake and self-identification."""
    organization = caller.organization
    profile = await db.scalar(
        select(PersonalityProfile).where(
            PersonalityProfile.person_id == person_id, PersonalityProfile.organization == organization
        )
    )
    history = await db.scalars(
        select(PersonalityResult)
        .where(PersonalityResult.person_id == person_id, PersonalityResult.organization == organization)
        .order_by(PersonalityResult.taken_at, PersonalityResult.id)
    )
    rows = (
        await db.execute(
            select(ENROLLMENTS, PROGRAMS.c.name.label("program_name"))
            .join(PROGRAMS, PROGRAMS.c.id == ENROLLMENTS.c.program_id)
            .where(ENROLLMENTS.c.person_id == person_id, ENROLLMENTS.c.organization == organization)
            .order_by(ENROLLMENTS.c.created_at, ENROLLMENTS.c.id)
        )
    ).all()
    enrollments = [
        (row, row.program_name, await questions_of(db, row.program_id)) for row in rows if row.intake_answers
    ]
    return PersonalData(
        personality=profile,
        personality_history=list(history),
        self_identification=await own_self_identification(db, caller=caller),
        enrollments=enrollments,
    )
