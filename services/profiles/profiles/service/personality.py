"""Use cases of the personality and working-style questionnaire: a person takes (or retakes) it,
or erases what it holds on them.

Every take is kept (the person's history); what counts is the latest answer to each part (the
Mini-IPIP scores, the working style), so a person may retake one part alone. The result that counts
is published to matching (`PersonalityUpdated`, a confidential event: personality scores are
personal data, for matching's purpose only, never delivered to webhooks).
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import personality
from profiles.documents import Document, personality_result_document, personality_state_document
from profiles.models import Person, PersonalityProfile, PersonalityResult
from profiles.schemas import PersonalityIn
from profiles.service.changes import flush, publish
from shared.auth import Principal
from shared.clock import utcnow
from shared.contracts.profiles import PersonalityState, PersonalityUpdated
from shared.errors import Problem


def may_take(caller: Principal, person_id: uuid.UUID) -> None:
    """Only the person themself answers (an admin neither answers for them nor sees the answers)."""
    if caller.person_id != person_id:
        if caller.is_admin:
            raise Problem(403, "only the person can take their personality questionnaire")
        raise Problem(404, "person not found")


async def _profile_for_change(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID
) -> PersonalityProfile | None:
    return await session.scalar(
        select(PersonalityProfile)
        .where(PersonalityProfile.person_id == person_id, PersonalityProfile.organization == organization)
        .with_for_update()
    )


async def _publish(session: AsyncSession, profile: PersonalityProfile) -> None:
    state = PersonalityState.model_validate(personality_state_document(profile))
    await publish(
        session,
        PersonalityUpdated(personality=state),
        organization=profile.organization,
        subject=profile.person_id,
    )


async def take(
    session: AsyncSession, *, caller: Principal, person_id: uuid.UUID, answers: PersonalityIn
) -> Document:
    """Record a take and publish the result that now counts; the take's document."""
    may_take(caller, person_id)
    organization = caller.organization
    person = await session.scalar(
        select(Person.id).where(Person.id == person_id, Person.organization == organization)
    )
    if person is None:
        raise Problem(404, "person not found")
    traits = (
        {trait.value: value for trait, value in personality.score(answers.items).items()}
        if answers.items is not None
        else None
    )
    style = answers.working_style.model_dump(mode="json") if answers.working_style is not None else None
    now = utcnow()
    result = PersonalityResult(
        id=uuid.uuid4(),
        organization=organization,
        person_id=person_id,
        item_answers=list(answers.items) if answers.items is not None else None,
        traits=traits,
        working_style=style,
        taken_at=now,
    )
    session.add(result)
    profile = await _profile_for_change(session, organization=organization, person_id=person_id)
    if profile is None:
        profile = PersonalityProfile(person_id=person_id, organization=organization, version=0)
        session.add(profile)
    # The latest answer to each part counts: a take of one part keeps the other part's last answer.
    profile.version += 1
    profile.result_id = result.id
    if traits is not None:
        profile.traits = traits
    if style is not None:
        profile.working_style = style
    profile.taken_at = now
    profile.updated_at = now
    await flush(session)
    await _publish(session, profile)
    return personality_result_document(result)


async def erase(session: AsyncSession, *, organization: str, person_id: uuid.UUID) -> int:
    """Delete every take; the result that counts becomes none and matching is told. Takes deleted."""
    deleted = await session.execute(
        delete(PersonalityResult).where(
            PersonalityResult.person_id == person_id, PersonalityResult.organization == organization
        )
    )
    profile = await _profile_for_change(session, organization=organization, person_id=person_id)
    if profile is not None and (profile.traits is not None or profile.working_style is not None):
        profile.version += 1
        profile.result_id = None
        profile.traits = None
        profile.working_style = None
        profile.taken_at = None
        profile.updated_at = utcnow()
        await flush(session)
        await _publish(session, profile)
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]
