"""PostgreSQL itself refuses to double-book a person, whatever code writes the rows; the OpenAPI
document lists every endpoint. (That the migrations build exactly what the models describe is
tests/test_migrations.py's, for every service.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.models import Session, SessionParticipant


async def _session_row(db: AsyncSession, person: uuid.UUID, start: datetime) -> uuid.UUID:
    session_id = uuid.uuid4()
    now = datetime.now(UTC)
    await db.execute(
        insert(Session).values(
            id=session_id, organization="org-db", match_id=uuid.uuid4(), program_id=uuid.uuid4(),
            mentor_id=person, mentee_id=uuid.uuid4(), format="video", status="scheduled",
            starts_at=start, ends_at=start + timedelta(hours=1), version=1, sequence=0,
            created_at=now, updated_at=now,
        )
    )  # fmt: skip
    await db.execute(
        insert(SessionParticipant).values(
            session_id=session_id,
            person_id=person,
            organization="org-db",
            blocked=Range(start, start + timedelta(hours=1), bounds="[)"),
            status="scheduled",
        )
    )
    return session_id


async def test_postgresql_refuses_overlapping_time_of_one_person_until_the_first_is_canceled(
    scheduling_db: async_sessionmaker[AsyncSession],
) -> None:
    person = uuid.uuid4()
    start = datetime(2030, 1, 7, 10, tzinfo=UTC)
    async with scheduling_db() as db, db.begin():
        first = await _session_row(db, person, start)
        await _session_row(db, person, start + timedelta(hours=1))  # touching is fine: ranges are [)
    async with scheduling_db() as db:
        with pytest.raises(IntegrityError) as refused:
            async with db.begin():
                await _session_row(db, person, start + timedelta(minutes=30))
    assert "ex_session_participants_no_double_booking" in str(refused.value)
    async with scheduling_db() as db, db.begin():
        await db.execute(
            update(SessionParticipant).where(SessionParticipant.session_id == first).values(status="canceled")
        )
        await _session_row(db, person, start + timedelta(minutes=0))


async def test_the_openapi_document_lists_every_endpoint(scheduling_client: httpx.AsyncClient) -> None:
    document = (await scheduling_client.get("/openapi.json")).json()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert {
        ("GET", "/v1/matches"),
        ("GET", "/v1/matches/{match_id}"),
        ("GET", "/v1/matches/{match_id}/slots"),
        ("GET", "/v1/matches/{match_id}/proposed-session"),
        ("POST", "/v1/matches/{match_id}/sessions"),
        # The first names of the same endpoints, deprecated (tests/scheduling/test_deprecated_names.py).
        ("GET", "/v1/mentorships"),
        ("GET", "/v1/mentorships/{match_id}"),
        ("GET", "/v1/mentorships/{match_id}/slots"),
        ("GET", "/v1/mentorships/{match_id}/proposed-session"),
        ("POST", "/v1/mentorships/{match_id}/sessions"),
        ("GET", "/v1/sessions"),
        ("GET", "/v1/sessions/{session_id}"),
        ("GET", "/v1/sessions/{session_id}/calendar.ics"),
        ("POST", "/v1/sessions/{session_id}/reschedule"),
        ("POST", "/v1/sessions/{session_id}/cancel"),
        ("POST", "/v1/sessions/{session_id}/complete"),
        ("POST", "/v1/sessions/{session_id}/no-show"),
        ("POST", "/v1/calendar-feeds"),
        ("GET", "/v1/calendar-feeds"),
        ("DELETE", "/v1/calendar-feeds/{feed_id}"),
        ("GET", "/v1/calendar-feeds/{token}.ics"),
        ("GET", "/v1/scheduling-policy"),
        ("PUT", "/v1/scheduling-policy"),
    } <= operations
