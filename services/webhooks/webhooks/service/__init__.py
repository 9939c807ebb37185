"""Use cases of the webhooks service: every state change and its event commit in one transaction.

One module per aggregate: `endpoints` (registration, changes, secrets, disabling) and
`deliveries` (enqueueing received events, resends, replays). Each function takes a session
already inside a transaction; a `Problem` raised there rolls the whole transaction back, so a
refused request writes nothing.
"""

from __future__ import annotations

from webhooks.service.deliveries import enqueue_events, replay, resend_delivery
from webhooks.service.endpoints import (
    create_endpoint,
    delete_endpoint,
    disable_endpoint,
    rotate_secret,
    update_endpoint,
)

__all__ = [
    "create_endpoint",
    "delete_endpoint",
    "disable_endpoint",
    "enqueue_events",
    "replay",
    "resend_delivery",
    "rotate_secret",
    "update_endpoint",
]
