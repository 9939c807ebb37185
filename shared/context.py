"""Request id, W3C trace context and the actor, carried from HTTP into events and back into
consumers' logs (and, for the actor, into every service's audit trail: shared/audit.py)."""

from __future__ import annotations

import random
import re
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

import structlog

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)


class ActorType(StrEnum):
    """Who acts: a person for themselves, an admin, an HR integration, or the platform (a job or a
    consumer reacting to an event)."""

    PERSON = "person"
    ADMIN = "admin"
    INTEGRATION = "integration"
    PLATFORM = "platform"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is behind the state changes of the current task: a token's subject (a person id or an
    integration's client id) with its kind, or the platform with the name of its job or consumer."""

    type: ActorType
    id: str

    @classmethod
    def platform(cls, name: str) -> Actor:
        """The platform itself, acting as `name` (a job's name, `<service>:<event type>` for a consumer)."""
        return cls(ActorType.PLATFORM, name)


# Set by the auth dependency (shared/auth.py), the job runner (shared/jobs.py) and the consumers
# (shared/consumer.py); read by the outbox (the `actor` and `actortype` envelope attributes) and by
# the audit trail's session hook (shared/audit.py).
actor_var: ContextVar[Actor | None] = ContextVar("actor", default=None)

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


# Request and trace ids need uniqueness, not secrecy: a PRNG is enough and far cheaper than urandom.
_ids = random.Random()


def new_request_id() -> str:
    return f"{_ids.getrandbits(128):032x}"


def valid_traceparent(value: str | None) -> str | None:
    """The header if it is a well-formed version-00 `traceparent` with non-zero ids, else None."""
    if not value:
        return None
    match = _TRACEPARENT.match(value.strip().lower())
    if match is None or set(match.group(1)) == {"0"} or set(match.group(2)) == {"0"}:
        return None
    return match.group(0)


def child_traceparent(parent: str | None) -> str:
    """A traceparent for a new span: same trace as `parent` (or a new trace), fresh span id."""
    parent = valid_traceparent(parent)
    trace_id = parent.split("-")[1] if parent else f"{_ids.getrandbits(128) or 1:032x}"
    flags = parent.split("-")[3] if parent else "01"
    return f"00-{trace_id}-{_ids.getrandbits(64) or 1:016x}-{flags}"


def trace_id(traceparent: str | None) -> str | None:
    parent = valid_traceparent(traceparent)
    return parent.split("-")[1] if parent else None


def bind(*, request_id: str | None, traceparent: str | None) -> None:
    """Set the context for this task and bind it to every log line it writes."""
    request_id_var.set(request_id)
    traceparent_var.set(traceparent)
    structlog.contextvars.bind_contextvars(request_id=request_id, trace_id=trace_id(traceparent))
