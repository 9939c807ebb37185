"""The webhooks API application (`uvicorn --factory webhooks.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from shared.app import create_service_app
from shared.runtime import Runtime
from shared.secret_box import SecretBox
from webhooks.config import WebhooksSettings
from webhooks.models import messaging
from webhooks.routes import ROUTERS

DESCRIPTION = """
Signed webhooks for every domain event, following the Standard Webhooks specification.

Organization admins register endpoints (HTTPS URL, subscribed event types with `*` and `?`
wildcards) and receive each endpoint's secret (`whsec_...`) once. Every request carries
`webhook-id` (the event id, the same on every retry), `webhook-timestamp` and
`webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`; during a secret
rotation two signatures, space-separated). The body is the CloudEvents 1.0 JSON of the event.

Delivery is at least once: receivers deduplicate on `webhook-id`. A retry after a timeout, or a
worker that died after sending and before recording the answer, sends the same event again with
the same `webhook-id`; record it with the event's effect and acknowledge a repeat without acting
twice. Every attempt is logged before its request leaves, so the delivery log shows an attempt a
worker was interrupted in (`interrupted`), and another worker takes the delivery over within
seconds.

Only a 2xx response is a success; redirects are not followed. Failed deliveries are retried with
jitter after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then daily up to about 3 days (9 attempts),
honouring `Retry-After`. A 410 Gone disables the endpoint at once; so does a delivery that fails
through the whole schedule with no success meanwhile (an `EndpointDisabled` event says so).
Destinations resolving to private, loopback, link-local or metadata addresses are refused, also
when written inside IPv6 (IPv4-mapped, -compatible or -translated, NAT64, 6to4, Teredo).
"""


def create_app(settings: WebhooksSettings | None = None) -> FastAPI:
    settings = settings or WebhooksSettings()

    async def on_startup(app: FastAPI, runtime: Runtime) -> None:
        app.state.secret_box = SecretBox(settings.secret_encryption_keys)

    return create_service_app(
        settings=settings,
        title="Webhooks",
        description=DESCRIPTION,
        routers=ROUTERS,
        on_startup=on_startup,
        messaging=messaging,
    )
