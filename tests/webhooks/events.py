"""Domain events as their publishers send them, for driving the webhooks service in tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
from nats.js import JetStreamContext

from shared.contracts.matching import MatchAccepted, MatchSource, MatchState, MatchStatus
from shared.contracts.profiles import PersonCreated, PersonDeactivated, PersonState
from shared.events import CATALOG, CloudEvent, Event


def person(organization: str, *, active: bool = True) -> PersonState:
    now = datetime.now(UTC)
    return PersonState(
        id=uuid.uuid4(),
        organization=organization,
        version=1,
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        name="Grace Hopper",
        time_zone="Europe/Paris",
        languages=["en"],
        mentor_capacity=2,
        active=active,
        created_at=now,
        updated_at=now,
    )


def person_created(organization: str) -> PersonCreated:
    return PersonCreated(person=person(organization))


def person_deactivated(organization: str) -> PersonDeactivated:
    return PersonDeactivated(person=person(organization, active=False))


def match_accepted(organization: str) -> MatchAccepted:
    now = datetime.now(UTC)
    return MatchAccepted(
        match=MatchState(
            id=uuid.uuid4(),
            organization=organization,
            version=2,
            program_id=uuid.uuid4(),
            mentee_id=uuid.uuid4(),
            mentor_id=uuid.uuid4(),
            status=MatchStatus.ACCEPTED,
            source=MatchSource.ROUND,
            score=0.8,
            created_at=now,
            updated_at=now,
        )
    )


def envelope(event: Event, organization: str, *, time: datetime | None = None) -> CloudEvent:
    wrapped = CloudEvent.wrap(event, organization=organization, subject=str(uuid.uuid4()))
    return wrapped.model_copy(update={"time": time}) if time is not None else wrapped


async def publish(
    js: JetStreamContext, namespace: str, wrapped: CloudEvent, *, message_id: str | None = None
) -> CloudEvent:
    """Publish as the publishing service's outbox relay does (Nats-Msg-Id = event id by default)."""
    event_type = CATALOG[wrapped.type].event_type
    await js.publish(
        f"{namespace}.{event_type.service}.{event_type.entity}.{event_type.action}",
        orjson.dumps(wrapped.model_dump(mode="json")),
        headers={"Nats-Msg-Id": message_id or str(wrapped.id)},
    )
    return wrapped
