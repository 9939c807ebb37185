"""Fixtures of the training tests: the API in-process, the worker running, a bus that publishes
profiles' events as real CloudEvents on this run's NATS and reads what training published, and an
organization with a program, people and the starter library."""

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
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentState,
    EnrollmentStatus,
    EnrollmentUpdated,
    EnrollmentWithdrawn,
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonState,
    ProgramCreated,
    ProgramState,
)
from shared.events import CloudEvent, Event
from shared.streams import ensure_service_stream
from tests.conftest import AuthHeaders, Platform, new_org, running_workers, service_client
from tests.toolkit import eventually, settled

# Short intervals so the worker's overdue job acts within a test.
WORKER_SETTINGS: dict[str, object] = {"overdue_scan_seconds": 0.3}


def now() -> datetime:
    return datetime.now(UTC)


class Bus:
    """Publishes events the way their services' relays do (CloudEvents, Nats-Msg-Id = event id),
    and reads back what training published."""

    def __init__(self, connection: NATS, platform: Platform) -> None:
        self.js = connection.jetstream()
        self.platform = platform
        self.namespace = platform.namespace

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

    async def settled(self) -> None:
        """Nothing more will happen: the training worker handled everything published to the
        streams it reads, and relayed everything in its outbox."""
        await settled(
            nats_url=self.platform.nats_url,
            namespace=self.namespace,
            consumers=[("training", source) for source in spec("training").sources()],
            database_url=self.platform.database_url,
            outboxes=["training"],
        )

    async def training_events(
        self, organization: str, event_type: type[Event] | None = None
    ) -> list[CloudEvent]:
        """Every event training published for `organization` so far, in order (read from NATS)."""
        subscription = await self.js.subscribe(
            f"{self.namespace}.training.>", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        envelopes: list[CloudEvent] = []
        try:
            while True:
                try:
                    message = await subscription.next_msg(timeout=0.3)
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

    async def wait_for_events(
        self, organization: str, event_type: type[Event], count: int, *, timeout: float = 20.0
    ) -> list[CloudEvent]:
        """Wait until training published at least `count` events of `event_type` for the organization."""

        async def enough() -> list[CloudEvent] | None:
            found = await self.training_events(organization, event_type)
            return found if len(found) >= count else None

        return await eventually(enough, timeout=timeout, what=f"{count} {event_type.event_type.name}")


@pytest.fixture(scope="package")
async def bus(platform: Platform) -> AsyncIterator[Bus]:
    connection = await nats.connect(platform.nats_url)
    # Training's own stream and every stream it consumes (the `settled` check reads them all).
    for service in ("training", *spec("training").sources()):
        await ensure_service_stream(connection.jetstream(), namespace=platform.namespace, service=service)
    try:
        yield Bus(connection, platform)
    finally:
        await connection.close()


@pytest.fixture(scope="package")
async def training_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client("training", platform, **WORKER_SETTINGS) as client:
        yield client


@pytest.fixture(scope="package")
async def training_worker(platform: Platform, bus: Bus) -> AsyncIterator[None]:
    """The training worker (relay, consumer of profiles' stream, jobs) for the tests that drive it
    through events; stopped after this package."""
    async with running_workers(platform, "training", **WORKER_SETTINGS):
        yield


@dataclass
class Enrolled:
    person_id: uuid.UUID
    enrollment: EnrollmentState
    person: PersonState


@dataclass
class Org:
    """An organization with one program, and factories of the profiles events about its people."""

    bus: Bus
    auth: AuthHeaders
    client: httpx.AsyncClient
    organization: str = field(default_factory=new_org)
    program_id: uuid.UUID = field(default_factory=uuid.uuid4)
    admin_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(self.organization, str(self.admin_id), "admin")

    def as_person(self, person_id: uuid.UUID, role: str = "mentee") -> dict[str, str]:
        return self.auth(self.organization, str(person_id), role)

    async def program(self, program_id: uuid.UUID | None = None) -> uuid.UUID:
        """Publish the program and wait until training knows it (courses need it)."""
        program_id = program_id or self.program_id
        start = now().date()
        state = ProgramState(
            id=program_id,
            organization=self.organization,
            version=1,
            name="Applied ML mentoring",
            objective="technical_skills",
            cohort_start=start,
            cohort_end=start + timedelta(days=180),
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

        async def known() -> bool:
            response = await self.client.get(f"/v1/programs/{program_id}/readiness-gates", headers=self.admin)
            return response.status_code == 200

        await eventually(known, what="training knows the program")
        return program_id

    async def enroll(
        self,
        *,
        role: str = "mentor",
        enrolled_at: datetime | None = None,
        program_id: uuid.UUID | None = None,
        publish_person: bool = True,
    ) -> Enrolled:
        person_id = uuid.uuid4()
        at = enrolled_at or now()
        person = PersonState(
            id=person_id,
            organization=self.organization,
            version=1,
            email=f"{person_id.hex[:8]}@example.org",
            name=f"{role.title()} {person_id.hex[:4]}",
            time_zone="Europe/Paris",
            languages=["en"],
            mentor_capacity=2 if role == "mentor" else 0,
            active=True,
            created_at=at,
            updated_at=at,
        )
        enrollment = EnrollmentState(
            id=uuid.uuid4(),
            organization=self.organization,
            version=1,
            program_id=program_id or self.program_id,
            person_id=person_id,
            role=role,
            status="active",
            created_at=at,
            updated_at=at,
        )
        if publish_person:
            await self.bus.publish(PersonCreated(person=person), organization=self.organization)
        await self.bus.publish(EnrollmentCreated(enrollment=enrollment), organization=self.organization)
        return Enrolled(person_id=person_id, enrollment=enrollment, person=person)

    async def change_enrollment(self, enrolled: Enrolled, *, status: str) -> CloudEvent:
        state = enrolled.enrollment.model_copy(
            update={
                "status": EnrollmentStatus(status),
                "version": enrolled.enrollment.version + 1,
                "updated_at": now(),
            }
        )
        enrolled.enrollment = state
        event: Event = (
            EnrollmentWithdrawn(enrollment=state)
            if status == "withdrawn"
            else EnrollmentUpdated(enrollment=state, changed=["status"])
        )
        return await self.bus.publish(event, organization=self.organization)

    async def set_active(self, enrolled: Enrolled, *, active: bool) -> CloudEvent:
        state = enrolled.person.model_copy(
            update={"active": active, "version": enrolled.person.version + 1, "updated_at": now()}
        )
        enrolled.person = state
        event: Event = PersonReactivated(person=state) if active else PersonDeactivated(person=state)
        return await self.bus.publish(event, organization=self.organization)

    async def load_library(self) -> dict[str, str]:
        """Load the starter library; module id by library key."""
        response = await self.client.post("/v1/library/load", headers=self.admin)
        assert response.status_code == 200, response.text
        return {
            module["key"]: module["module_id"]
            for collection in response.json()["collections"]
            for module in collection["modules"]
        }

    async def module(self, *, check: bool = False, reflection: bool = True, **fields: Any) -> dict[str, Any]:
        """A published module of this organization, with a one-question check if `check`."""
        body: dict[str, Any] = {
            "title": "Reading a confusion matrix",
            "audience": "both",
            "estimated_minutes": 10,
            "body_markdown": "# Confusion matrices\n\nRows are true classes, columns predictions.",
            **fields,
        }
        if reflection:
            body.setdefault("reflection_prompt", "Where did a confusion matrix change your mind?")
        if check:
            body["knowledge_check"] = {
                "pass_mark": 100,
                "questions": [
                    {
                        "id": "q1",
                        "kind": "single",
                        "prompt": "What is on the diagonal?",
                        "choices": [
                            {"id": "right", "text": "Correct predictions", "correct": True},
                            {"id": "wrong", "text": "Errors"},
                        ],
                    }
                ],
            }
        created = await self.client.post("/v1/modules", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        published = await self.client.post(
            f"/v1/modules/{created.json()['id']}/publish",
            headers={**self.admin, "If-Match": created.headers["ETag"]},
        )
        assert published.status_code == 200, published.text
        document: dict[str, Any] = published.json()
        return document

    async def course(
        self,
        module_ids: list[str],
        *,
        role: str = "mentor",
        due_days: int = 14,
        program_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/v1/programs/{program_id or self.program_id}/courses",
            json={
                "role": role,
                "title": f"{role.title()} onboarding",
                "due_days": due_days,
                "module_ids": module_ids,
            },
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        document: dict[str, Any] = response.json()
        return document

    async def progress(self, person_id: uuid.UUID, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.get(f"/v1/people/{person_id}/training", headers=headers or self.admin)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    async def assignment(self, person_id: uuid.UUID, **expected: Any) -> dict[str, Any]:
        """Wait until the person has an assignment with the `expected` fields, and return it."""

        async def found() -> dict[str, Any] | None:
            response = await self.client.get(f"/v1/people/{person_id}/training", headers=self.admin)
            if response.status_code == 404:
                return None  # the person's events have not arrived yet
            for assignment in response.json()["assignments"]:
                if all(assignment.get(name) == value for name, value in expected.items()):
                    return assignment
            return None

        return await eventually(found, what=f"an assignment of {person_id} with {expected}")

    async def complete(self, person_id: uuid.UUID, module_id: str, role: str = "mentor") -> httpx.Response:
        return await self.client.post(
            f"/v1/modules/{module_id}/completion", headers=self.as_person(person_id, role)
        )


@pytest.fixture
def org(bus: Bus, auth: AuthHeaders, training_client: httpx.AsyncClient, training_worker: None) -> Org:
    """A fresh organization (the worker runs: its program and people arrive as events)."""
    return Org(bus=bus, auth=auth, client=training_client)


def days_ago(days: float) -> datetime:
    return now() - timedelta(days=days)


def today() -> date:
    return now().date()
