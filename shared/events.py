"""The event envelope (CloudEvents 1.0, structured JSON) and the base of every event schema.

An event schema is a pydantic model subclassing `Event` with an `event_type` class variable::

    class PersonUpdated(Event):
        event_type: ClassVar[EventType] = EventType("profiles", "person", "updated", 1)
        person: PersonState

Every subclass registers itself in `CATALOG`, from which the AsyncAPI document is generated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.context import Actor


@dataclass(frozen=True, slots=True)
class EventType:
    service: str
    entity: str
    action: str
    version: int = 1

    @property
    def name(self) -> str:
        """CloudEvents `type`, e.g. `mentorship.profiles.person.updated.v1`."""
        return f"mentorship.{self.service}.{self.entity}.{self.action}.v{self.version}"

    def subject(self, namespace: str) -> str:
        """NATS subject, e.g. `mentorship.profiles.person.updated`."""
        return f"{namespace}.{self.service}.{self.entity}.{self.action}"


CATALOG: dict[str, type[Event]] = {}


class Event(BaseModel):
    """Base of every event's `data`. Subclasses set `event_type`."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    event_type: ClassVar[EventType]
    # The type name (`EventType.name`) of the event that replaces this one, when this one is
    # deprecated: it is still published alongside its replacement until consumers have moved.
    deprecated_by: ClassVar[str | None] = None
    # True for events that carry personal data meant for the platform's own services alone (e.g.
    # personality scores, pseudonymous self-identification keys): consumed by the services that
    # need them, never delivered to webhooks or any other outside subscriber.
    confidential: ClassVar[bool] = False

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is not None:
            existing = CATALOG.get(event_type.name)
            if existing is not None and existing.__qualname__ != cls.__qualname__:
                raise TypeError(f"event type {event_type.name} is defined twice")
            CATALOG[event_type.name] = cls


class CloudEvent(BaseModel):
    """CloudEvents 1.0 envelope in structured JSON mode, with our extension attributes."""

    model_config = ConfigDict(extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    # Extension attributes: lowercase alphanumeric names as the spec requires.
    organization: str
    traceparent: str | None = None
    requestid: str | None = None
    # Who caused the event: a person id, an admin's or an integration's subject, or the name of the
    # platform's job or consumer (`actortype`: person, admin, integration or platform). Absent on
    # events from before it existed; a plain string, so a kind added later never fails a consumer.
    actor: str | None = None
    actortype: str | None = None

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        organization: str,
        subject: str | None,
        traceparent: str | None = None,
        request_id: str | None = None,
        actor: Actor | None = None,
    ) -> CloudEvent:
        event_type = event.event_type
        return cls(
            source=f"/{event_type.service}",
            type=event_type.name,
            subject=subject,
            data=event.model_dump(mode="json"),
            organization=organization,
            traceparent=traceparent,
            requestid=request_id,
            actor=actor.id if actor is not None else None,
            actortype=actor.type.value if actor is not None else None,
        )

    def parse_data(self) -> Event:
        """The typed event, validated against its schema (raises if unknown or invalid)."""
        model = CATALOG.get(self.type)
        if model is None:
            raise LookupError(f"unknown event type {self.type}")
        return model.model_validate(self.data)


def stream_name(namespace: str, service: str) -> str:
    """One JetStream stream per publishing service, e.g. `MENTORSHIP_PROFILES`."""
    return f"{namespace}_{service}".upper()


def service_subjects(namespace: str, service: str) -> str:
    return f"{namespace}.{service}.>"
