"""The webhooks API, one router per resource."""

from __future__ import annotations

from webhooks.routes import deliveries, endpoints, event_types

ROUTERS = (endpoints.router, deliveries.router, event_types.router)
