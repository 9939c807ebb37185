"""The webhooks consumer: every published domain event, from every publishing service's stream.

One durable consumer per stream, all named "webhooks". The same handler is registered for every
event type of the published catalog: it keeps the event and creates the deliveries in the
consumer's transaction, next to the inbox row, so each event is enqueued exactly once however
often NATS redelivers it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import EventConsumer, Handlers
from shared.events import CloudEvent, Event
from shared.runtime import Runtime
from webhooks import service
from webhooks.catalog import published_events, publishing_services
from webhooks.models import messaging

CONSUMER = "webhooks"

handlers = Handlers()


async def deliver_event(session: AsyncSession, envelope: CloudEvent, event: Event) -> None:
    await service.enqueue_event(session, envelope)


handlers.on(*published_events())(deliver_event)


def consumers(runtime: Runtime) -> list[EventConsumer]:
    settings = runtime.settings
    return [
        EventConsumer(
            name=CONSUMER,
            source_service=source,
            handlers=handlers,
            sessions=runtime.sessions,
            inbox=messaging.inbox,
            js=runtime.js,
            namespace=settings.event_namespace,
            batch_size=settings.consumer_batch_size,
            max_deliver=settings.consumer_max_deliver,
        )
        for source in publishing_services()
    ]
