"""The webhooks consumer: every published domain event, from every publishing service's stream.

`SOURCES` has one `Handlers` per publishing service (derived from the contracts), each mapping
that service's event types to `deliver_events`: one function, because every event is handled the
same way, and a batch handler (`Handlers.on_batch`), so a consumer batch of events is kept and
its deliveries created in one statement. That happens in the consumer's transaction, next to the
inbox rows, so each event is enqueued exactly once however often NATS redelivers it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mentorship.services import spec
from shared.consumer import Handlers
from shared.events import CloudEvent, Event
from webhooks import service
from webhooks.catalog import published_events, publishing_services
from webhooks.personal_data import PERSONAL_DATA


async def deliver_events(session: AsyncSession, events: list[tuple[CloudEvent, Event]]) -> None:
    await service.enqueue_events(session, [envelope for envelope, _ in events])


def _handlers_of(publisher: str) -> Handlers:
    handlers = Handlers()
    handlers.on_batch(*(model for model in published_events() if model.event_type.service == publisher))(
        deliver_events
    )
    return handlers


# One consumer per registered publisher (the registry's `consumes_every_publisher`): a contract
# module whose service is not registered (yet) has no stream to wait for.
SOURCES: dict[str, Handlers] = PERSONAL_DATA.sources(
    {
        publisher: _handlers_of(publisher)
        for publisher in spec("webhooks").sources()
        if publisher in publishing_services()
    }
)
# `mentorship rebuild` refuses webhooks: a replay of history would deliver it to subscribers again.
REBUILDABLE = False
