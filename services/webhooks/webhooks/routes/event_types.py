"""The catalog of event types an endpoint can subscribe to."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from shared.dependencies import Caller
from shared.responses import page_response
from shared.routing import Routes
from shared.text import SafeText
from webhooks.catalog import published_events
from webhooks.schemas import EventTypePage

router = Routes("event types", "What can be subscribed to")


@router.reads("/event-types", EventTypePage)
async def list_event_types(
    caller: Caller, service: Annotated[SafeText | None, Query(max_length=100)] = None
) -> Response:
    """Every event type webhooks can deliver (schemas: the AsyncAPI document)"""
    items = [
        {
            "name": model.event_type.name,
            "service": model.event_type.service,
            "entity": model.event_type.entity,
            "action": model.event_type.action,
            "version": model.event_type.version,
            "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else "",
        }
        for model in published_events()
        if service is None or model.event_type.service == service
    ]
    return page_response(items, None)
