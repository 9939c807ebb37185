"""Fixtures of the notifications tests: a real SMTP server (aiosmtpd) keeping what it receives, a
real HTTP server standing in for Slack and Teams, the API in-process, the worker running, and a
bus publishing other services' events as real CloudEvents on this run's NATS."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import nats
import orjson
import pytest
import uvicorn
from nats.aio.client import Client as NATS
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentorship.mail_sink import MailSink, Received, start_sink
from mentorship.processes import free_port
from mentorship.services import spec
from notifications.main import create_app
from notifications.models import Person, Program
from shared.contracts.matching import MatchState, MatchStatus
from shared.contracts.profiles import PersonCreated, PersonState, ProgramCreated, ProgramState
from shared.contracts.scheduling import SessionFormat, SessionState, SessionStatus
from shared.db import create_engine, session_factory
from shared.events import CloudEvent, Event
from shared.streams import ensure_service_stream
from tests.conftest import (
    AuthHeaders,
    Platform,
    new_org,
    own_namespace,
    running_workers,
    service_client,
    service_settings,
)
from tests.notifications.chat_receiver import ChatReceiver
from tests.toolkit import eventually, settled


@pytest.fixture(scope="package")
async def notifications_platform(platform: Platform) -> AsyncIterator[Platform]:
    """The worker here reads only the events these tests publish (`own_namespace`): in the run's
    shared namespace it would first meet events about people and programs other packages never
    announce, and retry each for a minute and a half before parking it."""
    async with own_namespace(platform, "n") as own:
        yield own


@pytest.fixture(scope="package")
def sink() -> Iterator[tuple[MailSink, int]]:
    """A real SMTP server on 127.0.0.1 keeping every message in memory."""
    mail = MailSink()
    controller = start_sink(mail)
    try:
        yield mail, controller.port
    finally:
        controller.stop()


@pytest.fixture(scope="package")
def chat() -> Iterator[ChatReceiver]:
    receiver = ChatReceiver()
    with receiver.running():
        yield receiver


def worker_settings(smtp_port: int, chat: ChatReceiver, **extra: object) -> dict[str, object]:
    return {
        "smtp_port": smtp_port,
        "slack_api_url": chat.slack_api_url,
        # The local receiver stands in for Slack and Teams: HTTP to 127.0.0.1 allowed here only.
        "allow_http": True,
        "destination_allowlist": ["127.0.0.1"],
        "retry_schedule_seconds": [0.0, 0.2, 0.2, 0.2],
        "retry_base_seconds": 0.2,
        "dispatch_poll_seconds": 0.2,
        "digest_poll_seconds": 0.3,
        "overdue_poll_seconds": 0.3,
        "recovery_poll_seconds": 0.3,
        "job_poll_seconds": 0.3,
        # Workers start and stop module by module: a periodic job left running by a stopped one is
        # taken over within two seconds.
        "job_lease_seconds": 2.0,
        **extra,
    }


@pytest.fixture(scope="package")
def settings_overrides(sink: tuple[MailSink, int], chat: ChatReceiver) -> dict[str, object]:
    return worker_settings(sink[1], chat)


@pytest.fixture(scope="package")
async def notifications_client(
    notifications_platform: Platform, settings_overrides: dict[str, object]
) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client("notifications", notifications_platform, **settings_overrides) as client:
        yield client


@pytest.fixture(scope="package")
async def notifications_db(platform: Platform) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(platform.database_url, pool_size=3)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


class Bus:
    """Publishes events the way their services' relays do: CloudEvents, Nats-Msg-Id = event id."""

    def __init__(self, connection: NATS, platform: Platform) -> None:
        self.js = connection.jetstream()
        self.platform = platform

    async def publish(self, event: Event, *, organization: str, subject: str | None = None) -> CloudEvent:
        envelope = CloudEvent.wrap(event, organization=organization, subject=subject)
        await self.redeliver(envelope, message_id=str(envelope.id))
        return envelope

    async def redeliver(self, envelope: CloudEvent, *, message_id: str | None = None) -> None:
        """Publish an envelope again as a new message, as a replay or an at-least-once publisher would."""
        payload = orjson.dumps(envelope.model_dump(mode="json"))
        entity_action = ".".join(envelope.type.split(".")[2:-1])
        subject = f"{self.platform.namespace}.{envelope.source.strip('/')}.{entity_action}"
        await self.js.publish(subject, payload, headers={"Nats-Msg-Id": message_id or uuid.uuid4().hex})

    async def settled(self) -> None:
        """The notifications worker has handled everything published to the streams it reads."""
        await settled(
            nats_url=self.platform.nats_url,
            namespace=self.platform.namespace,
            consumers=[("notifications", source) for source in spec("notifications").sources()],
            database_url=self.platform.database_url,
            outboxes=["notifications"],
        )


@pytest.fixture(scope="package")
async def bus(notifications_platform: Platform) -> AsyncIterator[Bus]:
    platform = notifications_platform
    connection = await nats.connect(platform.nats_url)
    for service in (*spec("notifications").sources(), "notifications"):
        await ensure_service_stream(connection.jetstream(), namespace=platform.namespace, service=service)
    try:
        yield Bus(connection, platform)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
async def notifications_worker(
    notifications_platform: Platform, bus: Bus, settings_overrides: dict[str, object]
) -> AsyncIterator[None]:
    """The worker for a module's tests (fault tests run workers of their own instead)."""
    async with running_workers(notifications_platform, "notifications", **settings_overrides):
        yield


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Org:
    """An organization with one program and its people, described by events on the bus."""

    bus: Bus
    auth: AuthHeaders
    db: async_sessionmaker[AsyncSession]
    organization: str = field(default_factory=new_org)
    program_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(self.organization, str(uuid.uuid4()), "admin")

    def as_person(self, person_id: uuid.UUID, role: str = "mentee") -> dict[str, str]:
        return self.auth(self.organization, str(person_id), role)

    async def program(self, name: str = "Applied ML mentoring", *, known: bool = True) -> None:
        start = date.today()
        state = ProgramState(
            id=self.program_id,
            organization=self.organization,
            version=1,
            name=name,
            objective="technical_skills",
            cohort_start=start,
            cohort_end=start + timedelta(days=120),
            matching_mode="admin_approved",
            score_weights={},
            session_length_minutes=60,
            session_cadence="weekly",
            checkin_cadence_days=30,
            exclude_same_department=False,
            status="active",
            created_at=now(),
            updated_at=now(),
        )
        await self.bus.publish(ProgramCreated(program=state), organization=self.organization)
        if known:
            await eventually(lambda: self._known(Program, self.program_id), what=f"{name} is known")

    def person_state(
        self,
        person_id: uuid.UUID,
        *,
        name: str,
        time_zone: str = "Europe/Paris",
        languages: list[str] | None = None,
        active: bool = True,
        version: int = 1,
    ) -> PersonState:
        return PersonState(
            id=person_id,
            organization=self.organization,
            version=version,
            email=f"{name.lower().replace(' ', '.')}.{person_id.hex[:6]}@example.org",
            name=name,
            time_zone=time_zone,
            languages=languages or ["en"],
            mentor_capacity=2,
            active=active,
            created_at=now(),
            updated_at=now(),
        )

    async def person(self, name: str, *, known: bool = True, **options: Any) -> PersonState:
        """A new person; with `known`, once the running worker has them in its read model (events
        about them on other streams would otherwise wait for the consumer's retry)."""
        state = self.person_state(uuid.uuid4(), name=name, **options)
        await self.bus.publish(PersonCreated(person=state), organization=self.organization)
        if known:
            await eventually(lambda: self._known(Person, state.id), what=f"{name} is known to notifications")
        return state

    async def _known(self, model: type[Person] | type[Program], key: uuid.UUID) -> bool:
        async with self.db() as session:
            return await session.get(model, key) is not None

    def match(
        self, mentor: PersonState, mentee: PersonState, status: MatchStatus, version: int = 1
    ) -> MatchState:
        return MatchState(
            id=uuid.uuid4(),
            organization=self.organization,
            version=version,
            program_id=self.program_id,
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            status=status,
            source="round",
            score=0.8,
            created_at=now(),
            updated_at=now(),
        )

    def session(
        self, match: MatchState, *, start: datetime, status: SessionStatus = SessionStatus.SCHEDULED,
        version: int = 1, session_id: uuid.UUID | None = None, cancel_reason: str | None = None,
    ) -> SessionState:  # fmt: skip
        return SessionState(
            id=session_id or uuid.uuid4(),
            organization=self.organization,
            version=version,
            sequence=version - 1,
            match_id=match.id,
            program_id=self.program_id,
            mentor_id=match.mentor_id,
            mentee_id=match.mentee_id,
            format=SessionFormat.VIDEO,
            status=status,
            start=start,
            end=start + timedelta(hours=1),
            meeting_url="https://meet.example.org/abc-defg",
            cancel_reason=cancel_reason,
            created_at=now(),
            updated_at=now(),
        )


@pytest.fixture
def org(bus: Bus, auth: AuthHeaders, notifications_db: async_sessionmaker[AsyncSession]) -> Org:
    return Org(bus=bus, auth=auth, db=notifications_db)


def parsed(received: Received) -> EmailMessage:
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def mail_for(sink: MailSink, address: str) -> list[EmailMessage]:
    return [parsed(message) for message in list(sink.messages) if address in message.recipients]


async def wait_for_mail(
    sink: MailSink, address: str, count: int = 1, *, timeout: float = 40.0
) -> list[EmailMessage]:
    async def arrived() -> list[EmailMessage] | None:
        found = mail_for(sink, address)
        return found if len(found) >= count else None

    return await eventually(arrived, timeout=timeout, what=f"{count} emails to {address}")


@contextlib.asynccontextmanager
async def served(platform: Platform, overrides: dict[str, object]) -> AsyncIterator[str]:
    """The API on a real HTTP server (streams need one: the in-process transport buffers them)."""
    port = free_port()
    app = create_app(service_settings("notifications", platform, **overrides))  # type: ignore[arg-type]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: _started(server), what="the API is listening")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def _started(server: uvicorn.Server) -> bool:
    return server.started


async def events(response: httpx.Response, count: int) -> list[tuple[str, dict[str, Any]]]:
    """The next `count` SSE events of a stream: (id, data)."""
    found: list[tuple[str, dict[str, Any]]] = []
    event_id = ""
    async for line in response.aiter_lines():
        if line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            found.append((event_id, orjson.loads(line[5:].strip())))
            if len(found) == count:
                return found
    return found
