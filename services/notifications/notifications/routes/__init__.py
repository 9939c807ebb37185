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
TAGS = [
    {"name": "inbox", "description": "A person's notifications, unread count and live stream"},
    {"name": "preferences", "description": "A person's channels, digests, quiet hours and off switch"},
    {"name": "kinds", "description": "What the platform notifies about"},
    {"name": "settings", "description": "An organization's admins, chat integrations and limits (admins)"},
    {"name": "templates", "description": "An organization's wording per kind and language (admins)"},
    {"name": "deliveries", "description": "The delivery log (admins)"},
    {"name": "unsubscribe", "description": "One-click unsubscribe links from emails (no token)"},
    {"name": "operations", "description": "Health and metrics"},
]
PUBLIC_PATHS = (r"/v1/unsubscribe/[^/]+",)
