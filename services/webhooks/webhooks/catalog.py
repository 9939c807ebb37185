"""The published event catalog: every domain event type, which is what an endpoint can subscribe to."""

from __future__ import annotations

import shared.contracts  # noqa: F401  (registers every event type in CATALOG)
from shared.events import CATALOG, Event


def published_events() -> list[type[Event]]:
    """Every published event model, by type name (test-only event types are left out, and so are
    confidential ones: personal data meant for the platform's own services, never for webhooks)."""
    return [
        CATALOG[name]
        for name in sorted(CATALOG)
        if CATALOG[name].__module__.startswith("shared.contracts.") and not CATALOG[name].confidential
    ]


def published_event_types() -> list[str]:
    return [model.event_type.name for model in published_events()]


def publishing_services() -> list[str]:
    """The services whose streams carry published events (one consumer per stream)."""
    return sorted({model.event_type.service for model in published_events()})
