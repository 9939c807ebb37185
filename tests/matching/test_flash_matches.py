"""A flash session both sides agreed to continue becomes a long-term match: accepted when the mentor
has a free slot, a request otherwise, never twice, and nothing for people not enrolled there."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.handlers import SOURCES
from matching.models import Match
from shared.contracts.profiles import PersonState, ProgramState
from shared.contracts.scheduling import FlashMatchAgreed, FlashSessionState, SessionStatus
from shared.db import session_factory
from shared.events import CloudEvent
from tests.conftest import new_org
from tests.matching.factories import ReadModel, person

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def agreed(program: ProgramState, mentor: PersonState, mentee: PersonState) -> FlashMatchAgreed:
    return FlashMatchAgreed(
        session=FlashSessionState(
            id=uuid.uuid4(),
            organization=program.organization,
            version=4,
            sequence=1,
            program_id=uuid.uuid4(),
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            office_hours_id=uuid.uuid4(),
            skill="pytorch",
            status=SessionStatus.COMPLETED,
            start=NOW,
            end=NOW + dt.timedelta(minutes=30),
            month="2026-11",
            follow_up_program_id=program.id,
            mentor_agreed_at=NOW,
            mentee_agreed_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
    )


async def deliver(sessions: async_sessionmaker[AsyncSession], event: FlashMatchAgreed) -> None:
    handler = SOURCES["scheduling"].get(event.event_type.name)
    assert handler is not None
    async with sessions() as session, session.begin():
        envelope = CloudEvent.wrap(
            event, organization=event.session.organization, subject=str(event.session.id)
        )
        await handler(session, envelope, event)


async def matches_of(sessions: async_sessionmaker[AsyncSession], program: ProgramState) -> list[Match]:
    async with sessions() as session:
        return list((await session.scalars(select(Match).where(Match.program_id == program.id))).all())


async def test_agreeing_after_a_flash_session_makes_an_accepted_match_once(
    read_model: ReadModel, matching_engine: object
) -> None:
    sessions = session_factory(matching_engine)  # type: ignore[arg-type]
    org = new_org()
    mentor = person(org, name="Yuki", skills={"pytorch": 5}, seniority="staff")
    mentee = person(org, name="Lea", interests={"pytorch": (1, 3)}, seniority="junior")
    stranger = person(org, name="Sam")
    program = await read_model.program_with(org, mentors=[mentor], mentees=[mentee], mentor_capacity=1)
    event = agreed(program, mentor, mentee)

    await deliver(sessions, event)
    await deliver(sessions, event)  # redelivered: still one match

    [match] = await matches_of(sessions, program)
    assert (
        match.status == "accepted" and match.source == "flash" and match.flash_session_id == event.session.id
    )
    assert match.reasons[0].startswith("both agreed to continue after a flash session")
    # The mentor's one slot is taken: another agreement waits as a request.
    other = person(org, name="Ola", interests={"pytorch": (1, 3)})
    program_two = await read_model.program_with(
        org, mentors=[mentor], mentees=[mentee, other], mentor_capacity=0
    )
    await deliver(sessions, agreed(program_two, mentor, other))
    [waiting] = await matches_of(sessions, program_two)
    assert waiting.status == "requested" and waiting.source == "flash"
    # Someone not enrolled there gets nothing.
    await deliver(sessions, agreed(program, mentor, stranger))
    assert len(await matches_of(sessions, program)) == 1
