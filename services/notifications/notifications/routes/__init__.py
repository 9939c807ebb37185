"""HTTP routes of the notifications API, one module per resource."""

from __future__ import annotations

from notifications.routes import deliveries, inbox, kinds, preferences, settings, templates, unsubscribe

ROUTERS = [
    inbox.router,
    preferences.router,
    kinds.router,
    settings.router,
    templates.router,
    deliveries.router,
    unsubscribe.router,
]
PUBLIC_PATHS = (r"/v1/unsubscribe/[^/]+",)
