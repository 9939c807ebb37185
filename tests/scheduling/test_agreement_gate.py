"""The agreement gate: a program that requires the pair's agreement before their first session has
booking refused (RFC 9457, nothing written) until workspace says both signed; rules and signatures
arrive as workspace's events, repeated or out of order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.handlers import SOURCES
from scheduling.models import Session
from shared.contracts.workspace import AgreementSigned, ProgramSettingsUpdated
from shared.db import transaction
from shared.events import CloudEvent, Event
from tests.conftest import AuthHeaders
from tests.scheduling.world import Pair, book, make_pair, next_hour


async def from_workspace(sessions: async_sessionmaker[AsyncSession], pair: Pair, *events: Event) -> None:
    """Apply workspace's events as scheduling's consumer does, each one twice (a redelivery)."""
    async with transaction(sessions) as session:
        for event in events:
            envelope = CloudEvent.wrap(event, organization=pair.organization, subject=None)
            handler = SOURCES["workspace"].get(envelope.type)
            assert handler is not None, envelope.type
            await handler(session, envelope, event)
            await handler(session, envelope, event)


def rule(pair: Pair, *, required: bool, version: int) -> ProgramSettingsUpdated:
    return ProgramSettingsUpdated(
        program_id=pair.program.id, version=version, agreement_required_before_first_session=required
    )


def signed(pair: Pair, *, version: int = 1) -> AgreementSigned:
    moment = datetime.now(UTC)
    return AgreementSigned(
        match_id=pair.id,
        program_id=pair.program.id,
        mentor_id=pair.mentor.id,
        mentee_id=pair.mentee.id,
        version=version,
        mentor_signed_at=moment,
        mentee_signed_at=moment,
    )


async def sessions_of(sessions: async_sessionmaker[AsyncSession], pair: Pair) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).where(Session.match_id == pair.id)) or 0)


async def test_a_required_agreement_blocks_booking_until_both_signed(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    await from_workspace(scheduling_db, pair, rule(pair, required=True, version=1))
    start = next_hour()

    for headers in (pair.as_mentee, pair.as_mentor, pair.as_admin):
        refused = await scheduling_client.post(
            f"/v1/matches/{pair.id}/sessions",
            json={"format": "video", "start": start.isoformat(), "meeting_url": "https://meet.example/r"},
            headers=headers,
        )
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["type"].endswith("/agreement-required")
        assert "agreement" in problem["detail"]
    async_check_in = await scheduling_client.post(
        f"/v1/matches/{pair.id}/sessions",
        json={"format": "async", "due": next_hour().isoformat(), "prompt": "How is it going?"},
        headers=pair.as_mentor,
    )
    assert async_check_in.status_code == 409, async_check_in.text
    assert await sessions_of(scheduling_db, pair) == 0  # nothing written

    await from_workspace(scheduling_db, pair, signed(pair))
    booked = await book(scheduling_client, pair, start)
    assert booked["status"] == "scheduled"
    assert await sessions_of(scheduling_db, pair) == 1


async def test_a_program_that_stops_requiring_the_agreement_lets_pairs_book_and_stale_rules_change_nothing(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    # Version 2 (not required) arrives before version 1 (required): version 2 holds.
    await from_workspace(
        scheduling_db, pair, rule(pair, required=False, version=2), rule(pair, required=True, version=1)
    )
    await book(scheduling_client, pair, next_hour())

    other = await make_pair(scheduling_db, auth)
    await from_workspace(scheduling_db, other, rule(other, required=True, version=1))
    await book(scheduling_client, other, next_hour(), expect=409)
    await from_workspace(scheduling_db, other, rule(other, required=False, version=2))
    await book(scheduling_client, other, next_hour())


async def test_another_pairs_signature_does_not_open_booking(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    await from_workspace(scheduling_db, pair, rule(pair, required=True, version=1))
    stranger = signed(pair).model_copy(update={"match_id": uuid.uuid4()})
    await from_workspace(scheduling_db, pair, stranger)
    await book(scheduling_client, pair, next_hour(), expect=409)
