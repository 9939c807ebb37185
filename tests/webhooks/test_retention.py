"""The delivery log is kept for the organization's `delivery_log_days` (its retention policy, else
the default 30 days), then pruned by the periodic `retention-policy` job."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import text

from shared.jobs import JobContext
from shared.personal_data import RETENTION_JOB
from shared.retention import DEFAULT_POLICY, store_policy
from shared.runtime import Runtime
from tests.conftest import AuthHeaders, Platform, new_org, service_settings
from tests.webhooks.conftest import admin, create_endpoint
from tests.webhooks.receiver import Receiver
from webhooks import jobs
from webhooks.models import messaging


async def _received(runtime: Runtime, org: str, endpoint: uuid.UUID, days: int) -> uuid.UUID:
    """An event received `days` days ago, delivered to the endpoint."""
    event_id = uuid.uuid4()
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO webhooks.events (id, organization, type, time, body, received_at) "
                "VALUES (:id, :org, 'mentorship.profiles.person.created.v1', now(), '{}', "
                "now() - make_interval(days => :days))"
            ),
            {"id": event_id, "org": org, "days": days},
        )
        await session.execute(
            text(
                "INSERT INTO webhooks.deliveries (id, organization, endpoint_id, event_id, "
                "event_type, trigger, status, attempts, created_at) "
                "VALUES (gen_random_uuid(), :org, :endpoint, :event, "
                "'mentorship.profiles.person.created.v1', 'event', 'succeeded', 1, now())"
            ),
            {"org": org, "endpoint": endpoint, "event": event_id},
        )
    return event_id


async def test_events_past_the_organizations_period_are_pruned_with_their_deliveries(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, platform: Platform
) -> None:
    strict, default = new_org(), new_org()
    runtime = Runtime.create(service_settings("webhooks", platform))
    try:
        # The strict organization's policy (as the privacy service published it): 5 days.
        async with runtime.sessions() as session, session.begin():
            await store_policy(
                session,
                messaging.retention,
                organization=strict,
                version=1,
                policy=DEFAULT_POLICY.model_copy(update={"delivery_log_days": 5}),
            )
        received: dict[tuple[str, int], uuid.UUID] = {}
        for org in (strict, default):
            endpoint = await create_endpoint(webhooks_client, admin(auth, org), receiver.route().url, ["*"])
            for days in (3, 10, 31):
                received[(org, days)] = await _received(runtime, org, uuid.UUID(endpoint["id"]), days)

        (periodic,) = jobs.PERIODIC
        assert periodic.name == RETENTION_JOB
        job = JobContext(
            id=uuid.uuid4(), name=periodic.name, key="", payload={}, attempt=1, stop=asyncio.Event()
        )
        assert await periodic.run(runtime, job) is None  # one batch held everything: not again at once

        kept = {received[(strict, 3)], received[(default, 3)], received[(default, 10)]}
        async with runtime.sessions() as session:
            deliveries = await session.scalars(
                text("SELECT event_id FROM webhooks.deliveries WHERE organization = ANY(:orgs)"),
                {"orgs": [strict, default]},
            )
            assert set(deliveries) == kept
            events = await session.scalars(
                text("SELECT id FROM webhooks.events WHERE organization = ANY(:orgs)"),
                {"orgs": [strict, default]},
            )
            assert set(events) == kept
    finally:
        await runtime.engine.dispose()
