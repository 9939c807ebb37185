"""Quiet hours through the real consumer's handlers with a frozen clock, across a DST change.

No worker runs in this module: freezing the clock is process-wide, and a worker would schedule its
jobs on the frozen date."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifications.handlers import on_person, on_program, on_session_booked
from notifications.models import Delivery, Notification
from shared.contracts.matching import MatchStatus
from shared.contracts.profiles import PersonCreated, ProgramCreated, ProgramState
from shared.contracts.scheduling import SessionScheduled
from shared.events import CloudEvent, Event
from tests.notifications.conftest import Org, now


async def handle(db: async_sessionmaker[AsyncSession], handler: object, event: Event, org: Org) -> None:
    envelope = CloudEvent.wrap(event, organization=org.organization, subject=None)
    async with db() as session, session.begin():
        await handler(session, envelope, envelope.parse_data())  # type: ignore[operator]


async def test_quiet_hours_hold_email_until_seven_in_the_persons_zone_across_the_dst_change(
    org: Org, notifications_client: httpx.AsyncClient, notifications_db: async_sessionmaker[AsyncSession]
) -> None:
    program = ProgramState(
        id=org.program_id, organization=org.organization, version=1, name="Night owls",
        objective="leadership",
        cohort_start=now().date(), cohort_end=now().date(), matching_mode="automatic", score_weights={},
        session_length_minutes=60, session_cadence="weekly", checkin_cadence_days=30,
        exclude_same_department=False, status="active", created_at=now(), updated_at=now(),
    )  # fmt: skip
    await handle(notifications_db, on_program, ProgramCreated(program=program), org)
    mentor = org.person_state(uuid.uuid4(), name="Jean Bartik", time_zone="America/Chicago")
    mentee = org.person_state(uuid.uuid4(), name="Kay McNulty", time_zone="Europe/Paris")
    for person in (mentor, mentee):
        await handle(notifications_db, on_person, PersonCreated(person=person), org)
    quiet = {"quiet_hours": {"start": "22:00", "end": "07:00"}}
    response = await notifications_client.put(
        "/v1/me/preferences", json=quiet, headers={**org.as_person(mentee.id), "If-Match": '"0"'}
    )
    assert response.status_code == 200, response.text
    session = org.session(
        org.match(mentor, mentee, MatchStatus.ACCEPTED), start=datetime(2027, 4, 2, 9, tzinfo=UTC)
    )
    # 23:30 in Paris on the night the clocks go forward: 07:00 that morning is 05:00 UTC, not 06:00.
    with time_machine.travel(datetime(2027, 3, 27, 22, 30, tzinfo=UTC), tick=False):
        await handle(notifications_db, on_session_booked, SessionScheduled(session=session), org)
    async with notifications_db() as db:
        emails = select(Delivery).where(
            Delivery.channel == "email", Delivery.person_id.in_([mentor.id, mentee.id])
        )
        deliveries = {row.person_id: row for row in (await db.execute(emails)).scalars()}
        [inbox] = (
            await db.execute(select(Notification).where(Notification.person_id == mentee.id))
        ).scalars()
    assert deliveries[mentee.id].due_at == datetime(2027, 3, 28, 5, 0, tzinfo=UTC)
    assert deliveries[mentor.id].due_at == datetime(2027, 3, 27, 22, 30, tzinfo=UTC)  # no quiet hours
    assert inbox.in_inbox  # the inbox shows it at once: it interrupts nobody
