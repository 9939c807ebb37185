"""Matching's read model of personality, working style, intake criteria and answers, and pseudonymous
self-identification groups: version-checked like the rest, and turned into scoring inputs."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from matching.candidates import enrolled, policy_of
from matching.config import MatchingSettings
from matching.models import IdentityGroups, Program
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentRole,
    EnrollmentState,
    PersonalityState,
    PersonalityUpdated,
    PersonCreated,
    ProgramState,
    ProgramUpdated,
    SelfIdentificationState,
    SelfIdentificationUpdated,
    TraitFit,
)
from tests.conftest import new_org
from tests.matching.factories import NOW, ReadModel, enrollment, person, program

SITE = uuid.uuid4()


def personality(
    organization: str, person_id: uuid.UUID, version: int, extraversion: float | None
) -> PersonalityUpdated:
    traits = (
        None
        if extraversion is None
        else {
            "extraversion": extraversion,
            "agreeableness": 3,
            "conscientiousness": 3,
            "neuroticism": 3,
            "intellect": 3,
        }
    )
    return PersonalityUpdated(
        personality=PersonalityState(
            person_id=person_id,
            organization=organization,
            version=version,
            traits=traits,
            working_style={"communication": ["chat"]} if traits else None,
            taken_at=NOW if traits else None,
            updated_at=NOW + dt.timedelta(minutes=version),
        )
    )


def identity(
    organization: str, person_id: uuid.UUID, version: int, key: str | None
) -> SelfIdentificationUpdated:
    groups = [{"attribute": "gender", "group_key": key}] if key else []
    return SelfIdentificationUpdated(
        self_identification=SelfIdentificationState.model_validate(
            {
                "person_id": person_id,
                "organization": organization,
                "version": version,
                "fairness_groups": groups,
                "matching_groups": groups,
                "updated_at": NOW,
            }
        )
    )


async def test_programs_enrollments_and_people_carry_what_scoring_needs(read_model: ReadModel) -> None:
    org = new_org()
    mentor, mentee = person(org), person(org, seniority="junior")
    state = await read_model.program_with(org, mentors=[mentor], mentees=[])
    criteria = [
        {
            "question_id": str(SITE),
            "prompt": "Site",
            "kind": "must_match",
            "options": [{"id": "paris", "label": "Paris"}, {"id": "lagos", "label": "Lagos"}],
        }
    ]
    updated = ProgramState.model_validate(
        {
            **program(org, program_id=state.id, version=2).model_dump(),
            "personality_fit": {"extraversion": "complementary"},
            "intake_criteria": criteria,
        }
    )
    answered = EnrollmentState.model_validate(
        {
            **enrollment(org, state.id, mentee.id, "mentee").model_dump(),
            "matching_answers": {str(SITE): ["paris"]},
        }
    )
    await read_model.apply(
        PersonCreated(person=mentee),
        ProgramUpdated(program=updated, changed=["personality_fit", "intake_criteria"]),
        EnrollmentCreated(enrollment=answered),
        personality(org, mentee.id, 2, 5.0),
        personality(org, mentee.id, 1, 1.0),  # stale: an older take arriving late changes nothing
        identity(org, mentee.id, 3, "key-a"),
        identity(org, mentee.id, 2, "key-old"),  # stale
    )
    async with read_model.sessions() as session:
        stored = await session.scalar(select(Program).where(Program.id == state.id))
        assert stored is not None
        policy = policy_of(stored, MatchingSettings())
        [participant] = await enrolled(session, stored, EnrollmentRole.MENTEE)
    assert (
        policy.personality_fit[0] is TraitFit.COMPLEMENTARY and policy.personality_fit[1] is TraitFit.SIMILAR
    )
    assert stored.intake_criteria[0]["kind"] == "must_match"
    assert participant.traits == (1.0, 0.5, 0.5, 0.5, 0.5)
    assert participant.working_style is not None and participant.working_style.communication == {"chat"}
    assert participant.intake == {str(SITE): ("paris",)}
    assert participant.identity == {"gender": "key-a"}


async def test_revocation_and_erasure_leave_nothing_in_the_read_model(read_model: ReadModel) -> None:
    org = new_org()
    mentee = person(org)
    state = await read_model.program_with(org, mentors=[], mentees=[mentee])
    await read_model.apply(personality(org, mentee.id, 1, 4.0), identity(org, mentee.id, 1, "key-a"))
    await read_model.apply(personality(org, mentee.id, 2, None), identity(org, mentee.id, 2, None))
    async with read_model.sessions() as session:
        stored = await session.scalar(select(Program).where(Program.id == state.id))
        assert stored is not None
        [participant] = await enrolled(session, stored, EnrollmentRole.MENTEE)
        groups = await session.get(IdentityGroups, mentee.id)
    assert participant.traits is None and participant.working_style is None and participant.identity == {}
    assert groups is not None and groups.fairness == {} and groups.matching == {}
