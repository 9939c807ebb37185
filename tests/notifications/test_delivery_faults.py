"""Faults the issue names, with real servers: an unreachable SMTP server leaves messages queued
(never lost), a worker killed between the server's acceptance and the record sends nothing twice,
transient refusals are retried and permanent ones end as bounced, with the server's answer logged."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentorship.mail_sink import MailSink, Received
from mentorship.processes import free_port
from notifications.models import Delivery, DeliveryLogEntry
from shared.contracts.matching import MatchStatus
from shared.contracts.scheduling import SessionScheduled
from tests.conftest import Platform, running_workers
from tests.notifications.chat_receiver import ChatReceiver
from tests.notifications.conftest import Bus, Org, mail_for, now, wait_for_mail, worker_settings
from tests.toolkit import eventually, eventually_value

ROOT = Path(__file__).resolve().parents[2]


async def deliveries_to(db: async_sessionmaker[AsyncSession], person_id: uuid.UUID) -> list[Delivery]:
    async with db() as session:
        return list(
            (await session.execute(select(Delivery).where(Delivery.person_id == person_id))).scalars()
        )


async def log_of(db: async_sessionmaker[AsyncSession], delivery_id: uuid.UUID) -> list[tuple[str, str]]:
    async with db() as session:
        rows = await session.execute(
            select(DeliveryLogEntry.status, DeliveryLogEntry.detail)
            .where(DeliveryLogEntry.delivery_id == delivery_id)
            .order_by(DeliveryLogEntry.id)
        )
        return [(row.status, row.detail or "") for row in rows]


async def outbox_events(db: async_sessionmaker[AsyncSession], delivery_ids: list[uuid.UUID]) -> list[dict]:
    async with db() as session:
        rows = await session.execute(text("SELECT payload FROM notifications.outbox"))
        events = [orjson.loads(row.payload) for row in rows]
    wanted = {str(delivery_id) for delivery_id in delivery_ids}
    return [event for event in events if event.get("subject") in wanted]


async def booked(org: Org, bus: Bus) -> tuple[uuid.UUID, str]:
    """A session booked for a new pair; the mentee's id and address."""
    await org.program(known=False)
    # The worker may not run yet (or is about to be killed): nobody waits for the read model.
    mentor = await org.person("Radia Perlman", known=False)
    mentee = await org.person("Frances Allen", known=False)
    session = org.session(org.match(mentor, mentee, MatchStatus.ACCEPTED), start=now() + timedelta(days=2))
    await bus.publish(SessionScheduled(session=session), organization=org.organization)
    return mentee.id, mentee.email


async def test_an_unreachable_mail_server_leaves_messages_queued_until_it_answers(
    notifications_platform: Platform,
    org: Org,
    bus: Bus,
    sink: tuple[MailSink, int],
    chat: ChatReceiver,
    notifications_db: async_sessionmaker[AsyncSession],
) -> None:
    mail, port = sink
    nobody_listens = free_port()
    async with running_workers(
        notifications_platform, "notifications", **worker_settings(nobody_listens, chat)
    ):
        mentee_id, address = await booked(org, bus)

        async def tried() -> list[Delivery] | None:
            rows = await deliveries_to(notifications_db, mentee_id)
            return (
                rows
                if rows
                and any("cannot reach" in detail for _, detail in await log_of(notifications_db, rows[0].id))
                else None
            )

        [delivery] = await eventually(tried, what="a failed connection is logged")
        assert delivery.status == "queued" and delivery.attempts == 0
    assert mail_for(mail, address) == []
    async with running_workers(notifications_platform, "notifications", **worker_settings(port, chat)):
        [message] = await wait_for_mail(mail, address)
        [delivery] = await eventually_value(
            lambda: deliveries_to(notifications_db, mentee_id), lambda rows: rows[0].status == "sent"
        )
    assert delivery.attempts == 1 and delivery.message_id == message["Message-ID"]
    assert delivery.last_response is not None and delivery.last_response.startswith("250")


async def test_a_worker_killed_after_the_server_took_the_message_never_sends_it_again(
    notifications_platform: Platform,
    org: Org,
    bus: Bus,
    sink: tuple[MailSink, int],
    chat: ChatReceiver,
    notifications_db: async_sessionmaker[AsyncSession],
) -> None:
    mail, port = sink
    env = {
        **os.environ,
        **notifications_platform.settings_env(),
        "SMTP_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        # The seam: the worker waits here, after the server's 250, before recording it.
        "PAUSE_AFTER_SEND_SECONDS": "30",
        "DISPATCH_LEASE_SECONDS": "5",
        "JOB_LEASE_SECONDS": "2",
        "RECOVERY_POLL_SECONDS": "0.3",
        "DIGEST_POLL_SECONDS": "0.3",
        "OVERDUE_POLL_SECONDS": "0.3",
        "DISPATCH_POLL_SECONDS": "0.2",
        "RELAY_POLL_SECONDS": "0.2",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "notifications.worker", env=env, cwd=ROOT
    )
    try:
        mentee_id, address = await booked(org, bus)
        [message] = await wait_for_mail(mail, address, timeout=45)
        [delivery] = await deliveries_to(notifications_db, mentee_id)
        assert delivery.status == "sending"  # recorded before DATA; the 250 not yet
        worker.send_signal(signal.SIGKILL)
        await asyncio.wait_for(worker.wait(), timeout=10)
    finally:
        if worker.returncode is None:
            worker.kill()
            await asyncio.wait_for(worker.wait(), timeout=10)

    settings = worker_settings(port, chat, recovery_poll_seconds=0.3)
    async with running_workers(notifications_platform, "notifications", **settings):
        [delivery] = await eventually_value(
            lambda: deliveries_to(notifications_db, mentee_id),
            lambda rows: rows[0].status == "unknown",
            timeout=45,
        )
        await bus.settled()
        await asyncio.sleep(1.0)  # a few more rounds of the sender loop and the recovery job
    assert [m["Message-ID"] for m in mail_for(mail, address)] == [message["Message-ID"]]
    assert delivery.message_id == message["Message-ID"]
    assert (await log_of(notifications_db, delivery.id))[-1][0] == "unknown"


async def test_a_refusal_for_now_is_retried_and_a_refusal_for_good_is_a_bounce(
    notifications_platform: Platform,
    org: Org,
    bus: Bus,
    sink: tuple[MailSink, int],
    chat: ChatReceiver,
    notifications_db: async_sessionmaker[AsyncSession],
) -> None:
    mail, port = sink
    await org.program(known=False)
    mentor = await org.person("Mary Kenneth Keller", known=False)
    mentee = await org.person("Jean Sammet", known=False)
    refused_once: set[str] = set()

    def refuse(received: Received) -> str | None:
        if mentee.email in received.recipients and mentee.email not in refused_once:
            refused_once.add(mentee.email)
            return "451 4.3.0 Mailbox busy, try again later"
        if mentor.email in received.recipients:
            return "550 5.1.1 No such user here"
        return None

    mail.refuse = refuse
    try:
        async with running_workers(notifications_platform, "notifications", **worker_settings(port, chat)):
            session = org.session(
                org.match(mentor, mentee, MatchStatus.ACCEPTED), start=now() + timedelta(days=2)
            )
            await bus.publish(SessionScheduled(session=session), organization=org.organization)
            await wait_for_mail(mail, mentee.email)
            [to_mentor] = await eventually_value(
                lambda: deliveries_to(notifications_db, mentor.id), lambda rows: rows[0].status == "bounced"
            )
            [to_mentee] = await eventually_value(
                lambda: deliveries_to(notifications_db, mentee.id), lambda rows: rows[0].status == "sent"
            )
    finally:
        mail.refuse = None
    assert to_mentee.attempts == 2
    mentee_log = await log_of(notifications_db, to_mentee.id)
    assert [status for status, _ in mentee_log] == ["queued", "queued", "sent"]
    assert "451 4.3.0 Mailbox busy" in mentee_log[1][1]
    assert to_mentor.last_response == "550 5.1.1 No such user here"
    assert mail_for(mail, mentor.email) == []
    # What integrators hear: ids, kind, channel and how it ended; never the address or the answer.
    events = await outbox_events(notifications_db, [to_mentor.id, to_mentee.id])
    assert sorted((event["type"].split(".")[-2], event["data"].get("reason")) for event in events) == [
        ("failed", "bounced"),
        ("sent", None),
    ]
    # (The server's answer as a whole: "550" alone may turn up in an id or a timestamp.)
    assert all(
        mentor.email not in str(event) and "550 5.1.1" not in str(event) and "No such user" not in str(event)
        for event in events
    )
