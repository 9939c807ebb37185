"""Use cases of the read model built from profiles events: people, programs, enrollments, skills,
personality and working style, and pseudonymous self-identification groups.

Each entity is upserted only if the event carries a newer version, so replays and out-of-order
delivery converge on the latest state. Effects on matches follow the state that won, not the event
type: whenever a person is inactive, an enrollment is no longer live or a program is closed, their
open and live matches end, each with a MatchEnded event in the consumer's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

import orjson
from sqlalchemy import String, Text, Uuid, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from matching.candidates import ELIGIBLE_ENROLLMENT
from matching.models import (
    Enrollment,
    IdentityGroups,
    MentorSlots,
    Person,
    PersonalityProfile,
    Program,
    ReadModelRevision,
    SkillLabel,
)
from matching.service.circles import end_program_circles, leave_circles
from matching.service.transitions import end_matches
from shared.contracts.matching import MatchEndReason
from shared.contracts.profiles import (
    EnrollmentRole,
    EnrollmentState,
    EnrollmentStatus,
    MatchingMode,
    PersonalityState,
    PersonState,
    ProgramState,
    ProgramStatus,
    ScoreComponent,
    SelfIdentificationState,
    Seniority,
    SkillState,
)
from shared.read_models import upsert_if_newer

_PROFILE_FIELDS = (
    "bio",
    "goals",
    "skills",
    "learning_interests",
    "guidance",
    "specializations",
    "learning_style",
    "availability",
    "availability_overrides",
)
_PROFILE_FIELD_SET: set[str] = set(_PROFILE_FIELDS)
_END_REASON_OF_ENROLLMENT: dict[EnrollmentStatus, MatchEndReason] = {
    EnrollmentStatus.WITHDRAWN: MatchEndReason.ENROLLMENT_WITHDRAWN,
    EnrollmentStatus.COMPLETED: MatchEndReason.COMPLETED,
}


async def bump_revision(session: AsyncSession, organization: str) -> None:
    """Mark the organization's read model changed, so cached candidate pools are rebuilt."""
    statement = insert(ReadModelRevision).values(organization=organization, revision=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ReadModelRevision.organization],
            set_={"revision": ReadModelRevision.revision + 1},
        )
    )


async def refresh_mentor_slots(
    session: AsyncSession,
    *,
    person_id: uuid.UUID | None = None,
    enrollment_id: uuid.UUID | None = None,
    person_ids: Collection[uuid.UUID] | None = None,
) -> None:
    """Recompute mentor capacity per program from the enrollment (its override) and the person.

    Capacity is 0 while the person is inactive or unknown yet (events of different entities can
    arrive in any order) or the enrollment is not live; slots already held are kept as they are.
    """
    query = (
        select(Enrollment, Person)
        .outerjoin(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.role.in_([EnrollmentRole.MENTOR.value, EnrollmentRole.PEER.value]))
    )
    if person_id is not None:
        query = query.where(Enrollment.person_id == person_id)
    if person_ids is not None:
        # One array parameter, not one placeholder per person: the statement's text stays the same
        # whatever the batch's size, so it is compiled and prepared once.
        query = query.where(
            Enrollment.person_id == any_(bindparam("person_ids", list(person_ids), type_=ARRAY(Uuid)))
        )
    if enrollment_id is not None:
        query = query.where(Enrollment.id == enrollment_id)
    # By slot: a person enrolled twice in one program (mentor and peer) holds one slot row, which
    # one statement may not upsert twice; the last enrollment read wins, as one by one.
    slots: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = {}
    for enrollment, person in (await session.execute(query)).all():
        live = enrollment.status in ELIGIBLE_ENROLLMENT and person is not None and person.active
        capacity = 0
        if live:
            capacity = (
                enrollment.mentor_capacity
                if enrollment.mentor_capacity is not None
                # A peer is in one pair at a time, whatever they could take as a mentor.
                else 1
                if enrollment.role == EnrollmentRole.PEER
                else person.mentor_capacity
            )
        slots[(enrollment.program_id, enrollment.person_id)] = {
            "program_id": enrollment.program_id,
            "mentor_id": enrollment.person_id,
            "organization": enrollment.organization,
            "capacity": capacity,
            "used": 0,
        }
    if not slots:
        return
    statement = insert(MentorSlots)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[MentorSlots.program_id, MentorSlots.mentor_id],
            set_={"capacity": statement.excluded.capacity},
        ),
        # In key order, so concurrent batches (replicas, a replay) lock the slot rows in one order.
        [slots[key] for key in sorted(slots, key=lambda key: (key[0].int, key[1].int))],
    )


# The columns of matching's people, in the order `_people_upsert` inserts them.
_PERSON_COLUMNS = (
    "id",
    "organization",
    "version",
    "name",
    "title",
    "department",
    "manager_id",
    "seniority",
    "years_of_experience",
    "time_zone",
    "languages",
    "mentor_capacity",
    "active",
    "profile",
    "updated_at",
)
_JSON_COLUMNS = frozenset({"languages", "profile"})


def _people_upsert() -> ReturningInsert[tuple[uuid.UUID]]:
    """`INSERT INTO people SELECT unnest(:id), unnest(:organization), ... ON CONFLICT (id) DO UPDATE
    ... WHERE people.version < excluded.version RETURNING id`: the newest states of many people in
    one statement with one array per column. Its text never changes with the number of people, so it
    is compiled and prepared once, and no value goes through a per-row bind processor (the JSON
    columns arrive as JSON text, cast in the database)."""
    table = Person.__table__

    def column(name: str) -> Any:
        column_type = table.c[name].type
        if name in _JSON_COLUMNS:
            return cast(func.unnest(bindparam(name, type_=ARRAY(Text))), JSONB)
        # Text arrays for text columns: a `varchar(200)[]` parameter would cut a longer name short
        # without a word, where the insert into the column refuses it, as a one-row insert does.
        element = Text() if isinstance(column_type, String) else column_type
        return func.unnest(bindparam(name, type_=ARRAY(element)))

    rows = select(*(column(name) for name in _PERSON_COLUMNS))
    statement = insert(table).from_select(list(_PERSON_COLUMNS), rows)
    return statement.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={name: statement.excluded[name] for name in _PERSON_COLUMNS if name != "id"},
        where=table.c.version < statement.excluded.version,
    ).returning(table.c.id)


_UPSERT_PEOPLE = _people_upsert()


def _people_columns(people: Sequence[PersonState]) -> dict[str, list[object]]:
    """The people as one list per column of `_people_upsert` (each person once, in id order)."""
    columns: dict[str, list[object]] = {name: [] for name in _PERSON_COLUMNS}
    # In id order: two batches upserting the same people (replicas, a replay beside the live
    # consumer) take their row locks in one order and never deadlock.
    for person in sorted(people, key=lambda person: person.id.int):
        columns["id"].append(person.id)
        columns["organization"].append(person.organization)
        columns["version"].append(person.version)
        columns["name"].append(person.name)
        columns["title"].append(person.title)
        columns["department"].append(person.department)
        columns["manager_id"].append(person.manager_id)
        columns["seniority"].append(Seniority(person.seniority).value if person.seniority else None)
        columns["years_of_experience"].append(person.years_of_experience)
        columns["time_zone"].append(person.time_zone)
        columns["languages"].append(orjson.dumps(list(person.languages)).decode())
        columns["mentor_capacity"].append(person.mentor_capacity)
        columns["active"].append(person.active)
        # What scoring reads, as the contract serializes it (pydantic's JSON, without a detour
        # through Python dicts and the json module).
        columns["profile"].append(person.model_dump_json(include=_PROFILE_FIELD_SET))
        columns["updated_at"].append(person.updated_at)
    return columns


async def apply_person(session: AsyncSession, person: PersonState) -> None:
    """A person's latest state; an inactive person's matches end."""
    await apply_people(session, [person])


async def apply_people(session: AsyncSession, people: Sequence[PersonState]) -> None:
    """A person's latest state for each event of a run (a consumer's batch, a replay of the profiles
    stream) with set-based statements: one upsert of the newest states, one revision bump per
    organization, one look-up of the mentor slots to refresh. A state no newer than the row changes
    nothing and has no effect; an inactive person's matches end. Applied in waves in which each
    person appears once (their events in delivery order), so every state that won a wave has its
    effects, as if the events had been applied one by one."""
    waves: list[list[PersonState]] = []
    seen: dict[uuid.UUID, int] = {}
    for person in people:
        wave = seen.get(person.id, 0)
        seen[person.id] = wave + 1
        if wave == len(waves):
            waves.append([])
        waves[wave].append(person)
    for wave_people in waves:
        applied = set((await session.execute(_UPSERT_PEOPLE, _people_columns(wave_people))).scalars())
        if not applied:
            continue  # every one stale or repeated: newer states already took effect
        won = [person for person in wave_people if person.id in applied]
        for organization in sorted({person.organization for person in won}):
            await bump_revision(session, organization)
        await refresh_mentor_slots(session, person_ids=[person.id for person in won])
        for person in won:
            if not person.active:
                await end_matches(
                    session,
                    organization=person.organization,
                    person_id=person.id,
                    reason=MatchEndReason.PERSON_DEACTIVATED,
                )
                await leave_circles(
                    session,
                    organization=person.organization,
                    person_id=person.id,
                    reason=MatchEndReason.PERSON_DEACTIVATED,
                )


def _program_values(program: ProgramState) -> dict[str, object]:
    return {
        "id": program.id,
        "organization": program.organization,
        "version": program.version,
        "name": program.name,
        "status": ProgramStatus(program.status).value,
        "matching_mode": MatchingMode(program.matching_mode).value,
        # The weights profiles stored on the program; scoring fills gaps with the shared defaults.
        "score_weights": {
            ScoreComponent(name).value: weight for name, weight in program.score_weights.items()
        },
        "session_length_minutes": program.session_length_minutes,
        "exclude_same_department": program.exclude_same_department,
        "cohort_start": program.cohort_start,
        "cohort_end": program.cohort_end,
        "updated_at": program.updated_at,
        "personality_fit": {trait.value: fit.value for trait, fit in program.personality_fit.items()},
        "intake_criteria": [criterion.model_dump(mode="json") for criterion in program.intake_criteria],
        "format": program.format.value,
        "format_settings": program.format_settings.model_dump(mode="json"),
    }


async def apply_program(session: AsyncSession, program: ProgramState) -> None:
    """A program's latest state; a closed program's matches end."""
    if not await upsert_if_newer(session, Program.__table__, _program_values(program), key=["id"]):
        return
    await bump_revision(session, program.organization)
    if ProgramStatus(program.status) is ProgramStatus.CLOSED:
        await end_matches(
            session,
            organization=program.organization,
            program_id=program.id,
            reason=MatchEndReason.PROGRAM_CLOSED,
        )
        await end_program_circles(session, organization=program.organization, program_id=program.id)


def _enrollment_values(enrollment: EnrollmentState) -> dict[str, object]:
    return {
        "id": enrollment.id,
        "organization": enrollment.organization,
        "version": enrollment.version,
        "program_id": enrollment.program_id,
        "person_id": enrollment.person_id,
        "role": EnrollmentRole(enrollment.role).value,
        "status": EnrollmentStatus(enrollment.status).value,
        "goals": list(enrollment.goals),
        "mentor_capacity": enrollment.mentor_capacity,
        "updated_at": enrollment.updated_at,
        "matching_answers": {
            question: list(options) for question, options in enrollment.matching_answers.items()
        },
    }


async def apply_enrollment(session: AsyncSession, enrollment: EnrollmentState) -> None:
    """An enrollment's latest state; matches in its program end once it is withdrawn or completed."""
    if not await upsert_if_newer(session, Enrollment.__table__, _enrollment_values(enrollment), key=["id"]):
        return
    await bump_revision(session, enrollment.organization)
    if EnrollmentRole(enrollment.role) in (EnrollmentRole.MENTOR, EnrollmentRole.PEER):
        await refresh_mentor_slots(session, enrollment_id=enrollment.id)
    reason = _END_REASON_OF_ENROLLMENT.get(EnrollmentStatus(enrollment.status))
    if reason is not None:
        await end_matches(
            session,
            organization=enrollment.organization,
            person_id=enrollment.person_id,
            program_id=enrollment.program_id,
            reason=reason,
        )
        await leave_circles(
            session,
            organization=enrollment.organization,
            person_id=enrollment.person_id,
            program_id=enrollment.program_id,
            reason=reason,
        )


async def apply_skill(session: AsyncSession, skill: SkillState) -> None:
    """The label of an organization's skill, for explanations."""
    statement = insert(SkillLabel).values(organization=skill.organization, slug=skill.slug, label=skill.label)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SkillLabel.organization, SkillLabel.slug],
            set_={"label": statement.excluded.label},
        )
    )
    await bump_revision(session, skill.organization)  # cached pools hold the labels


async def apply_personality(session: AsyncSession, personality: PersonalityState) -> None:
    """A person's personality and working style (both none once erased)."""
    values = {
        "person_id": personality.person_id,
        "organization": personality.organization,
        "version": personality.version,
        "traits": personality.traits.model_dump(mode="json") if personality.traits else None,
        "working_style": personality.working_style.model_dump(mode="json")
        if personality.working_style
        else None,
        "updated_at": personality.updated_at,
    }
    if await upsert_if_newer(session, PersonalityProfile.__table__, values, key=["person_id"]):
        await bump_revision(session, personality.organization)


async def apply_self_identification(session: AsyncSession, state: SelfIdentificationState) -> None:
    """The pseudonymous groups a person's consents allow; revoked ones disappear with the event."""
    values = {
        "person_id": state.person_id,
        "organization": state.organization,
        "version": state.version,
        "fairness": {group.attribute: group.group_key for group in state.fairness_groups},
        "matching": {group.attribute: group.group_key for group in state.matching_groups},
        "updated_at": state.updated_at,
    }
    if await upsert_if_newer(session, IdentityGroups.__table__, values, key=["person_id"]):
        await bump_revision(session, state.organization)
