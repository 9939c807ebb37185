"""Reminders: stored with the session, replaced when it moves, removed when it is canceled, and
emitted exactly once as events, even by job instances racing each other."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.config import SchedulingSettings
from scheduling.jobs import PERIODIC, emit_reminders
from scheduling.models import Reminder, messaging
from scheduling.service.reminders import emit_due_reminders
from shared.clock import utcnow
from shared.jobs import Again, JobContext
from shared.runtime import Runtime
from tests.conftest import AuthHeaders, Platform, running_workers, service_settings
from tests.scheduling.world import act, book, iso, make_pair, next_hour
from tests.toolkit import eventually


async def reminders_of(db: async_sessionmaker[AsyncSession], session_id: str) -> list[Reminder]:
    async with db() as session:
        rows = await session.scalars(
            select(Reminder)
            .where(Reminder.session_id == uuid.UUID(session_id))
            .order_by(Reminder.session_sequence, Reminder.due_at, Reminder.recipient_id)
        )
        return list(rows)


async def reminder_events(
    db: async_sessionmaker[AsyncSession], session_ids: set[str]
) -> list[dict[str, Any]]:
    """SessionReminderDue events in the outbox about these sessions."""
    outbox = messaging.outbox
    async with db() as session:
        payloads = await session.scalars(
            select(outbox.c.payload).where(outbox.c.subject == "scheduling.session.reminder_due")
        )
        events = [orjson.loads(payload)["data"] for payload in payloads]
    return [event for event in events if event["session"]["id"] in session_ids]


async def test_a_booking_stores_a_reminder_per_participant_and_offset(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    reminders = await reminders_of(scheduling_db, session["id"])
    assert sorted((r.recipient_id, r.minutes_before, r.due_at) for r in reminders) == sorted(
        (person, minutes, start - timedelta(minutes=minutes))
        for person in (pair.mentor.id, pair.mentee.id)
        for minutes in (1440, 60)
    )
    assert {r.status for r in reminders} == {"pending"}


async def test_a_session_booked_soon_gets_no_reminder_that_would_already_be_past(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    session = await book(scheduling_client, pair, next_hour(timedelta(hours=13)))
    assert {r.minutes_before for r in await reminders_of(scheduling_db, session["id"])} == {60}


async def test_rescheduling_replaces_the_reminders_and_canceling_removes_them(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    later = start + timedelta(days=2)
    moved = await act(scheduling_client, session, "reschedule", pair.as_mentee, start=iso(later))
    reminders = await reminders_of(scheduling_db, session["id"])
    assert {(r.session_sequence, r.due_at) for r in reminders} == {
        (1, later - timedelta(days=1)),
        (1, later - timedelta(hours=1)),
    }
    await act(scheduling_client, moved, "cancel", pair.as_mentee, reason="Not needed")
    assert await reminders_of(scheduling_db, session["id"]) == []


async def test_two_job_instances_racing_emit_each_due_reminder_exactly_once(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    start = next_hour(timedelta(days=3))
    booked = []
    for _ in range(12):
        pair = await make_pair(scheduling_db, auth)
        booked.append(await book(scheduling_client, pair, start))
    due_by = start - timedelta(minutes=30)  # both offsets are due, the sessions have not begun

    async def job_instance() -> int:
        emitted = 0
        while True:
            sent, claimed = await emit_due_reminders(scheduling_db, now=due_by, batch_size=5)
            emitted += sent
            if claimed == 0:
                return emitted
            await asyncio.sleep(0)

    counts = await asyncio.gather(job_instance(), job_instance())
    assert all(count > 0 for count in counts)  # both instances did part of the work
    ids = {session["id"] for session in booked}
    events = await reminder_events(scheduling_db, ids)
    once = Counter(
        (event["session"]["id"], event["recipient_id"], event["minutes_before"]) for event in events
    )
    assert len(once) == 12 * 2 * 2
    assert set(once.values()) == {1}
    for session in booked:
        assert {r.status for r in await reminders_of(scheduling_db, session["id"])} == {"sent"}
    # Another round (a restarted worker) finds nothing left to send for these sessions.
    await emit_due_reminders(scheduling_db, now=due_by)
    assert len(await reminder_events(scheduling_db, ids)) == 48


async def test_a_reminder_missed_while_the_worker_was_down_is_sent_late_but_never_after_the_start(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour(timedelta(days=4))
    session = await book(scheduling_client, pair, start)
    # The worker comes back 20 minutes before the start: the day-before reminder is late but useful.
    await emit_due_reminders(scheduling_db, now=start - timedelta(minutes=20))
    events = await reminder_events(scheduling_db, {session["id"]})
    assert sorted(event["minutes_before"] for event in events) == [60, 60, 1440, 1440]
    assert events[0]["session"]["start"] == iso(start)

    other = await make_pair(scheduling_db, auth)
    missed = await book(scheduling_client, other, start)
    # Back only after the session began: its reminders are skipped, not sent.
    await emit_due_reminders(scheduling_db, now=start + timedelta(minutes=5))
    assert await reminder_events(scheduling_db, {missed["id"]}) == []
    assert {r.status for r in await reminders_of(scheduling_db, missed["id"])} == {"skipped"}


async def fall_due(db: async_sessionmaker[AsyncSession], session_id: str) -> None:
    """Make a session's pending reminders due a minute ago (as if their time had come)."""
    async with db() as session, session.begin():
        await session.execute(
            update(Reminder)
            .where(Reminder.session_id == uuid.UUID(session_id), Reminder.status == "pending")
            .values(due_at=utcnow() - timedelta(minutes=1))
        )


async def test_the_worker_emits_due_reminders_as_a_durable_periodic_job(
    platform: Platform,
    scheduling_client: httpx.AsyncClient,
    scheduling_db: async_sessionmaker[AsyncSession],
    auth: AuthHeaders,
) -> None:
    assert [(job.name, job.interval(SchedulingSettings(reminder_poll_seconds=7))) for job in PERIODIC] == [
        ("reminders", 7.0)
    ]
    pair = await make_pair(scheduling_db, auth)
    session = await book(scheduling_client, pair, next_hour())
    await fall_due(scheduling_db, session["id"])
    jobs = messaging.jobs
    async with scheduling_db() as db, db.begin():
        # A worker earlier in this run may have stored the job's next round for later: bring it forward.
        await db.execute(update(jobs).where(jobs.c.name == "reminders").values(due_at=func.now()))
    async with running_workers(platform, "scheduling", reminder_poll_seconds=0.2):

        async def all_sent() -> bool:
            return {r.status for r in await reminders_of(scheduling_db, session["id"])} == {"sent"}

        await eventually(all_sent, what="the reminders job emitted the due reminders")
    assert len(await reminder_events(scheduling_db, {session["id"]})) == 4
    async with scheduling_db() as db:
        job_names = set(await db.scalars(select(jobs.c.name)))
    assert "reminders" in job_names


async def test_a_full_batch_of_reminders_has_the_job_run_again_at_once(
    platform: Platform,
    scheduling_client: httpx.AsyncClient,
    scheduling_db: async_sessionmaker[AsyncSession],
    auth: AuthHeaders,
) -> None:
    pair = await make_pair(scheduling_db, auth)
    session = await book(scheduling_client, pair, next_hour())
    await fall_due(scheduling_db, session["id"])  # four reminders: two people, two offsets
    runtime = Runtime.create(service_settings("scheduling", platform, reminder_batch_size=3))
    job = JobContext(id=uuid.uuid4(), name="reminders", key="", payload={}, attempt=1, stop=asyncio.Event())
    try:
        assert await emit_reminders(runtime, job) == Again()  # three of four: more are waiting
        assert await emit_reminders(runtime, job) is None  # the last one: the batch was not full
    finally:
        await runtime.close()
    assert {r.status for r in await reminders_of(scheduling_db, session["id"])} == {"sent"}
