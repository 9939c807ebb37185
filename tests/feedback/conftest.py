"""Fixtures of the feedback tests: the API in-process, the worker running, and a bus that
publishes other services' events as real CloudEvents on this run's NATS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import nats
import orjson
import pytest
from nats.aio.client import Client as NATS
from nats.js.api import DeliverPolicy

from mentorship.services import spec
from shared.contracts.matching import MatchAccepted, MatchEnded, MatchEndReason, MatchState, MatchStatus
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentState,
    PersonCreated,
    PersonState,
    ProgramCreated,
    ProgramState,
)
from shared.contracts.scheduling import (
    SessionCompleted,
    SessionFormat,
    SessionNoShow,
    SessionScheduled,
    SessionState,
    SessionStatus,
)
from shared.events import CloudEvent, Event
from shared.streams import ensure_service_stream
from tests.conftest import AuthHeaders, Platform, new_org, running_workers, service_client
from tests.toolkit import settled

# Short intervals so the worker's jobs (check-ins, health refresh) act within a test.
WORKER_SETTINGS: dict[str, object] = {
    "checkin_scan_seconds": 0.3,
    "health_scan_seconds": 0.5,
    "health_max_age_seconds": 0.5,
    "at_risk_confirm_seconds": 1.0,
}


def now() -> datetime:
    return datetime.now(UTC)


def days_ago(days: float) -> datetime:
    return now() - timedelta(days=days)


class Bus:
    """Publishes events the way their services' relays do: CloudEvents, Nats-Msg-Id = event id."""

    def __init__(self, connection: NATS, platform: Platform) -> None:
        self.connection = connection
        self.js = connection.jetstream()
        self.platform = platform
        self.namespace = platform.namespace

    async def settled(self) -> None:
        """Wait until nothing more will happen: the feedback worker has handled everything published
        to the streams it reads, and published everything its outbox holds."""
        await settled(
            nats_url=self.platform.nats_url,
            namespace=self.namespace,
            consumers=[("feedback", source) for source in spec("feedback").sources()],
            database_url=self.platform.database_url,
            outboxes=["feedback"],
        )

    async def publish(self, event: Event, *, organization: str, subject: str | None = None) -> CloudEvent:
        envelope = CloudEvent.wrap(event, organization=organization, subject=subject)
        await self.redeliver(envelope, message_id=str(envelope.id))
        return envelope

    async def redeliver(self, envelope: CloudEvent, *, message_id: str | None = None) -> None:
        """Publish an envelope again as a new message (past the stream's duplicate window), as a
        replay or an at-least-once publisher would."""
        payload = orjson.dumps(envelope.model_dump(mode="json"))
        subject = f"{self.namespace}.{envelope.source.strip('/')}.{'.'.join(envelope.type.split('.')[2:-1])}"
        await self.js.publish(subject, payload, headers={"Nats-Msg-Id": message_id or uuid.uuid4().hex})

    async def feedback_events(
        self, organization: str, event_type: type[Event] | None = None
    ) -> list[CloudEvent]:
        """Every event the feedback service published for `organization` so far (read from NATS)."""
        subscription = await self.js.subscribe(
            f"{self.namespace}.feedback.>", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        envelopes: list[CloudEvent] = []
        try:
            while True:
                try:
                    message = await subscription.next_msg(timeout=0.5)
                except TimeoutError:
                    break
                envelope = CloudEvent.model_validate_json(message.data)
                if envelope.organization == organization and (
                    event_type is None or envelope.type == event_type.event_type.name
                ):
                    envelopes.append(envelope)
        finally:
            await subscription.unsubscribe()
        return envelopes


@pytest.fixture(scope="package")
async def bus(platform: Platform) -> AsyncIterator[Bus]:
    connection = await nats.connect(platform.nats_url)
    # The streams feedback reads, which the tests publish to, and its own.
    for service in (*spec("feedback").sources(), "feedback"):
        await ensure_service_stream(connection.jetstream(), namespace=platform.namespace, service=service)
    try:
        yield Bus(connection, platform)
    finally:
        await connection.close()


@pytest.fixture(scope="package")
async def feedback_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client("feedback", platform, **WORKER_SETTINGS) as client:
        yield client


@pytest.fixture(scope="package")
async def feedback_worker(platform: Platform, bus: Bus) -> AsyncIterator[None]:
    """The feedback worker (relay, consumers, jobs) for every test that drives it through events;
    stopped after this package, so its jobs do not keep scanning while other services' tests run."""
    async with running_workers(platform, "feedback", **WORKER_SETTINGS):
        yield


@dataclass
class Cohort:
    """An organization with one program, and factories of the events that describe its pairs."""

    bus: Bus
    auth: AuthHeaders
    organization: str = field(default_factory=new_org)
    program_id: uuid.UUID = field(default_factory=uuid.uuid4)
    admin_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(self.organization, str(self.admin_id), "admin")

    def as_person(self, person_id: uuid.UUID, role: str = "mentee") -> dict[str, str]:
        return self.auth(self.organization, str(person_id), role)

    async def program(
        self,
        *,
        session_cadence: str = "weekly",
        checkin_cadence_days: int = 60,
        cohort_start: date | None = None,
        version: int = 1,
        name: str = "Applied ML mentoring",
    ) -> None:
        start = cohort_start or (now() - timedelta(days=120)).date()
        state = ProgramState(
            id=self.program_id,
            organization=self.organization,
            version=version,
            name=name,
            objective="technical_skills",
            cohort_start=start,
            cohort_end=start + timedelta(days=240),
            matching_mode="admin_approved",
            score_weights={},
            session_length_minutes=60,
            session_cadence=session_cadence,
            checkin_cadence_days=checkin_cadence_days,
            exclude_same_department=False,
            status="active",
            created_at=days_ago(130),
            updated_at=days_ago(130),
        )
        await self.bus.publish(ProgramCreated(program=state), organization=self.organization)

    async def person(self, *, role: str, capacity: int = 2, enrolled_days_ago: float = 100) -> uuid.UUID:
        person_id = uuid.uuid4()
        person = PersonState(
            id=person_id,
            organization=self.organization,
            version=1,
            email=f"{person_id.hex[:8]}@example.org",
            name=f"{role.title()} {person_id.hex[:4]}",
            time_zone="Europe/Paris",
            languages=["en"],
            mentor_capacity=capacity if role == "mentor" else 0,
            active=True,
            created_at=days_ago(enrolled_days_ago),
            updated_at=days_ago(enrolled_days_ago),
        )
        enrollment = EnrollmentState(
            id=uuid.uuid4(),
            organization=self.organization,
            version=1,
            program_id=self.program_id,
            person_id=person_id,
            role=role,
            status="active",
            created_at=days_ago(enrolled_days_ago),
            updated_at=days_ago(enrolled_days_ago),
        )
        await self.bus.publish(PersonCreated(person=person), organization=self.organization)
        await self.bus.publish(EnrollmentCreated(enrollment=enrollment), organization=self.organization)
        return person_id

    def pair(self, *, mentor_id: uuid.UUID | None = None, mentee_id: uuid.UUID | None = None) -> Pair:
        return Pair(self, mentor_id=mentor_id or uuid.uuid4(), mentee_id=mentee_id or uuid.uuid4())


@dataclass
class Pair:
    """One match of a cohort and the sessions of its pair."""

    cohort: Cohort
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    match_id: uuid.UUID = field(default_factory=uuid.uuid4)
    version: int = 0

    @property
    def mentor(self) -> dict[str, str]:
        return self.cohort.as_person(self.mentor_id, "mentor")

    @property
    def mentee(self) -> dict[str, str]:
        return self.cohort.as_person(self.mentee_id, "mentee")

    def _state(self, status: MatchStatus, at: datetime, **rest: Any) -> MatchState:
        self.version += 1
        return MatchState(
            id=self.match_id,
            organization=self.cohort.organization,
            version=self.version,
            program_id=self.cohort.program_id,
            mentee_id=self.mentee_id,
            mentor_id=self.mentor_id,
            status=status,
            source="round",
            score=0.8,
            created_at=at,
            updated_at=at,
            **rest,
        )

    async def accept(self, *, started: datetime) -> CloudEvent:
        state = self._state(MatchStatus.ACCEPTED, started)
        return await self.cohort.bus.publish(
            MatchAccepted(match=state), organization=self.cohort.organization, subject=str(self.match_id)
        )

    async def end(self, *, at: datetime | None = None) -> CloudEvent:
        moment = at or now()
        state = self._state(MatchStatus.ENDED, moment, ended_at=moment, end_reason=MatchEndReason.COMPLETED)
        return await self.cohort.bus.publish(
            MatchEnded(match=state), organization=self.cohort.organization, subject=str(self.match_id)
        )

    def session_state(
        self, *, session_id: uuid.UUID, start: datetime, status: SessionStatus, version: int
    ) -> SessionState:
        return SessionState(
            id=session_id,
            organization=self.cohort.organization,
            version=version,
            sequence=version,
            match_id=self.match_id,
            program_id=self.cohort.program_id,
            mentor_id=self.mentor_id,
            mentee_id=self.mentee_id,
            format=SessionFormat.VIDEO,
            status=status,
            start=start,
            end=start + timedelta(hours=1),
            no_show=[self.mentor_id] if status is SessionStatus.NO_SHOW else [],
            created_at=start - timedelta(days=3),
            updated_at=start + timedelta(hours=1),
        )

    async def session(
        self,
        *,
        start: datetime,
        status: SessionStatus = SessionStatus.COMPLETED,
        session_id: uuid.UUID | None = None,
    ) -> tuple[uuid.UUID, CloudEvent]:
        """A session booked (version 1) then ended as `status` (version 2)."""
        session_id = session_id or uuid.uuid4()
        organization = self.cohort.organization
        booked = self.session_state(
            session_id=session_id, start=start, status=SessionStatus.SCHEDULED, version=1
        )
        await self.cohort.bus.publish(SessionScheduled(session=booked), organization=organization)
        ended = self.session_state(session_id=session_id, start=start, status=status, version=2)
        event: Event = (
            SessionCompleted(session=ended)
            if status is SessionStatus.COMPLETED
            else SessionNoShow(session=ended)
        )
        envelope = await self.cohort.bus.publish(event, organization=organization, subject=str(session_id))
        return session_id, envelope


@pytest.fixture
def cohort(bus: Bus, auth: AuthHeaders) -> Cohort:
    return Cohort(bus=bus, auth=auth)


async def requests_of(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    response = await client.get("/v1/feedback-requests", headers=headers, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def answer(
    client: httpx.AsyncClient, request: dict[str, Any], headers: dict[str, str], answers: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/v1/feedback-requests/{request['id']}/submission", headers=headers, json={"answers": answers}
    )
