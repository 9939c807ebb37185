"""Events published on NATS reach the endpoints subscribed to them, signed, retried, logged.

A real webhooks worker (consumers, dispatcher, relay) runs against this run's NATS and
PostgreSQL; endpoints are routes of a real local HTTP server. Signatures are verified with the
`standardwebhooks` library. Retries follow the published schedule scaled down to milliseconds.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from shared.events import CloudEvent
from tests.conftest import AuthHeaders, Platform, new_org, running_workers
from tests.toolkit import eventually
from tests.webhooks.conftest import FAST_WORKER, Publish, admin, create_endpoint, nothing_more_to_deliver
from tests.webhooks.events import envelope, match_accepted, person_created, person_deactivated, publish
from tests.webhooks.receiver import Receiver, Reply, always, in_turn


@pytest.fixture(scope="module", autouse=True)
async def worker(platform: Platform, js: JetStreamContext) -> AsyncIterator[None]:
    async with running_workers(platform, "webhooks", **FAST_WORKER):
        yield


async def delivery_log(
    client: httpx.AsyncClient, headers: dict[str, str], endpoint_id: str, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/endpoints/{endpoint_id}/deliveries", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def settled_delivery(
    client: httpx.AsyncClient, headers: dict[str, str], endpoint_id: str, *, timeout: float = 10.0
) -> dict[str, Any]:
    """The endpoint's only delivery, with its attempts, once it succeeded or failed."""

    async def finished() -> dict[str, Any] | None:
        items = await delivery_log(client, headers, endpoint_id)
        if len(items) == 1 and items[0]["status"] != "pending":
            detail: dict[str, Any] = (
                await client.get(f"/v1/deliveries/{items[0]['id']}", headers=headers)
            ).json()
            return detail
        return None

    result: dict[str, Any] = await eventually(finished, timeout=timeout)
    return result


async def endpoint(client: httpx.AsyncClient, headers: dict[str, str], endpoint_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/v1/endpoints/{endpoint_id}", headers=headers)).json()
    return body


async def test_an_event_reaches_every_subscribed_endpoint_signed_and_no_other(
    webhooks_client: httpx.AsyncClient,
    auth: AuthHeaders,
    receiver: Receiver,
    publish_event: Publish,
    platform: Platform,
) -> None:
    org = new_org()
    headers = admin(auth, org)
    everything_profiles, deactivations, matches = receiver.route(), receiver.route(), receiver.route()
    all_profiles = await create_endpoint(
        webhooks_client, headers, everything_profiles.url, ["mentorship.profiles.*"]
    )
    leavers = await create_endpoint(webhooks_client, headers, deactivations.url, ["*.person.deactivated"])
    await create_endpoint(webhooks_client, headers, matches.url, ["mentorship.matching.*"])
    other_org = receiver.route()
    await create_endpoint(webhooks_client, admin(auth, new_org()), other_org.url, ["*"])

    created = await publish_event(person_created(org), org)
    deactivated = await publish_event(person_deactivated(org), org)

    received = await everything_profiles.wait_for(2)
    (leaver,) = await deactivations.wait_for(1)
    for request, sent in zip(
        sorted(received, key=lambda r: r.headers["webhook-id"] != str(created.id)),
        (created, deactivated),
        strict=True,
    ):
        assert request.headers["webhook-id"] == str(sent.id)
        Webhook(all_profiles["secret"]).verify(request.body, request.headers)
        body = json.loads(request.body)
        assert body["type"] == sent.type
        assert body["id"] == str(sent.id)
        assert body["data"] == sent.data
        assert request.headers["content-type"] == "application/json"
    Webhook(leavers["secret"]).verify(leaver.body, leaver.headers)
    assert leaver.headers["webhook-id"] == str(deactivated.id)
    with pytest.raises(WebhookVerificationError):
        Webhook(all_profiles["secret"]).verify(leaver.body, leaver.headers)  # each endpoint its own secret

    await nothing_more_to_deliver(platform, org)
    assert matches.requests == []
    assert other_org.requests == []
    assert len(everything_profiles.requests) == 2


async def test_a_failed_delivery_is_retried_with_the_same_webhook_id_and_every_attempt_is_logged(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, publish_event: Publish
) -> None:
    org = new_org()
    headers = admin(auth, org)
    flaky = receiver.route(in_turn([Reply(500, b"database locked"), Reply(503, b"try later"), Reply(202)]))
    created = await create_endpoint(webhooks_client, headers, flaky.url, ["*.match.*"])
    sent = await publish_event(match_accepted(org), org)

    requests = await flaky.wait_for(3)
    assert {request.headers["webhook-id"] for request in requests} == {str(sent.id)}
    for request in requests:
        Webhook(created["secret"]).verify(request.body, request.headers)
    assert len({request.body for request in requests}) == 1

    delivery = await settled_delivery(webhooks_client, headers, created["id"])
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 3
    assert delivery["event_id"] == str(sent.id)
    assert delivery["event_type"] == "mentorship.matching.match.accepted.v1"
    log = delivery["attempt_log"]
    assert [attempt["number"] for attempt in log] == [1, 2, 3]
    assert [attempt["status_code"] for attempt in log] == [500, 503, 202]
    assert [attempt["succeeded"] for attempt in log] == [False, False, True]
    assert [attempt["response"] for attempt in log] == ["database locked", "try later", "ok"]
    assert all(attempt["latency_ms"] > 0 for attempt in log)
    assert delivery["last_status_code"] == 202
    assert (await endpoint(webhooks_client, headers, created["id"]))["last_success_at"] is not None


async def test_redirects_are_not_followed_and_count_as_failures(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, publish_event: Publish
) -> None:
    org = new_org()
    headers = admin(auth, org)
    elsewhere = receiver.route()
    moved = receiver.route(in_turn([Reply(307, headers={"location": elsewhere.url}), Reply(200)]))
    created = await create_endpoint(
        webhooks_client, headers, moved.url, ["mentorship.profiles.person.created"]
    )
    await publish_event(person_created(org), org)

    delivery = await settled_delivery(webhooks_client, headers, created["id"])
    first, second = delivery["attempt_log"]
    assert first["status_code"] == 307
    assert first["succeeded"] is False
    assert "not followed" in first["error"]
    assert second["status_code"] == 200
    assert elsewhere.requests == []


async def test_an_endpoint_answering_410_is_disabled_and_an_event_says_so(
    webhooks_client: httpx.AsyncClient,
    auth: AuthHeaders,
    receiver: Receiver,
    publish_event: Publish,
    platform: Platform,
) -> None:
    org = new_org()
    headers = admin(auth, org)
    gone, watcher = receiver.route(always(410)), receiver.route()
    created = await create_endpoint(webhooks_client, headers, gone.url, ["mentorship.profiles.*"])
    watching = await create_endpoint(webhooks_client, headers, watcher.url, ["mentorship.webhooks.*"])
    await publish_event(person_created(org), org)

    (notice,) = await watcher.wait_for(1)
    Webhook(watching["secret"]).verify(notice.body, notice.headers)
    event = json.loads(notice.body)
    assert event["type"] == "mentorship.webhooks.endpoint.disabled.v1"
    assert event["data"]["reason"] == "gone"
    assert event["data"]["last_status_code"] == 410
    assert event["data"]["endpoint"]["id"] == created["id"]
    assert "secret" not in json.dumps(event["data"])
    state = await endpoint(webhooks_client, headers, created["id"])
    assert (state["enabled"], state["disabled_reason"]) == (False, "gone")
    delivery = await settled_delivery(webhooks_client, headers, created["id"])
    assert (delivery["status"], delivery["attempts"]) == ("failed", 1)

    await publish_event(person_created(org), org)
    await nothing_more_to_deliver(platform, org)
    assert len(gone.requests) == 1  # a disabled endpoint gets nothing more


async def test_an_endpoint_failing_through_the_whole_schedule_is_disabled(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, publish_event: Publish
) -> None:
    org = new_org()
    headers = admin(auth, org)
    broken, watcher = receiver.route(always(500, body=b"boom")), receiver.route()
    created = await create_endpoint(webhooks_client, headers, broken.url, ["*.person.created"])
    await create_endpoint(webhooks_client, headers, watcher.url, ["*.endpoint.disabled"])
    await publish_event(person_created(org), org)

    (notice,) = await watcher.wait_for(1, timeout=20)
    assert json.loads(notice.body)["data"]["reason"] == "failing"
    assert len(broken.requests) == 9  # the published schedule: 9 attempts
    delivery = await settled_delivery(webhooks_client, headers, created["id"])
    assert (delivery["status"], delivery["attempts"]) == ("failed", 9)
    assert delivery["next_attempt_at"] is None
    state = await endpoint(webhooks_client, headers, created["id"])
    assert (state["enabled"], state["disabled_reason"]) == (False, "failing")


async def test_retry_after_is_honoured(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, publish_event: Publish
) -> None:
    org = new_org()
    headers = admin(auth, org)
    # One day, scaled like the whole schedule: 0.864 s instead of the 5 s step (50 us scaled).
    busy = receiver.route(in_turn([Reply(429, headers={"retry-after": "86400"}), Reply(200)]))
    await create_endpoint(webhooks_client, headers, busy.url, ["mentorship.profiles.*"])
    await publish_event(person_created(org), org)

    first, second = await busy.wait_for(2)
    assert second.at - first.at >= 86400 * FAST_WORKER["retry_scale"] * 0.95


async def test_an_unreadable_retry_after_falls_back_to_the_schedule(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, publish_event: Publish
) -> None:
    """Whatever an endpoint answers, the attempt is recorded and the delivery goes on: a
    `Retry-After` of "²" (a digit to `str.isdigit`, not to `float`) once left the delivery held by
    its worker, never recorded and never retried."""
    org = new_org()
    headers = admin(auth, org)
    odd = receiver.route(in_turn([Reply(503, headers={"retry-after": "\xb2"}), Reply(200)]))
    created = await create_endpoint(webhooks_client, headers, odd.url, ["mentorship.profiles.*"])
    await publish_event(person_created(org), org)

    first, second = await odd.wait_for(2)
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    delivery = await settled_delivery(webhooks_client, headers, created["id"])
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 2)
    assert [attempt["status_code"] for attempt in delivery["attempt_log"]] == [503, 200]


async def test_an_event_delivered_twice_by_nats_is_sent_once(
    webhooks_client: httpx.AsyncClient,
    auth: AuthHeaders,
    receiver: Receiver,
    js: JetStreamContext,
    platform: Platform,
) -> None:
    org = new_org()
    headers = admin(auth, org)
    route = receiver.route()
    await create_endpoint(webhooks_client, headers, route.url, ["mentorship.profiles.*"])
    event = envelope(person_created(org), org)
    # The same event as two distinct stream messages (past the stream's deduplication).
    await publish(js, platform.namespace, event, message_id=f"{event.id}:a")
    await publish(js, platform.namespace, event, message_id=f"{event.id}:b")

    await route.wait_for(1)
    await nothing_more_to_deliver(platform, org)
    assert len(route.requests) == 1


async def test_resending_a_delivery_sends_the_same_event_again(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, publish_event: Publish
) -> None:
    org = new_org()
    headers = admin(auth, org)
    route = receiver.route()
    created = await create_endpoint(webhooks_client, headers, route.url, ["mentorship.profiles.*"])
    sent = await publish_event(person_created(org), org)
    original = await settled_delivery(webhooks_client, headers, created["id"])

    resent = await webhooks_client.post(f"/v1/deliveries/{original['id']}/resend", headers=headers)
    assert resent.status_code == 202, resent.text
    assert resent.json()["trigger"] == "resend"
    first, again = await route.wait_for(2)
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == str(sent.id)
    assert first.body == again.body
    Webhook(created["secret"]).verify(again.body, again.headers)

    async def both_succeeded() -> bool:
        log = await delivery_log(webhooks_client, headers, created["id"], status="succeeded")
        return {item["trigger"] for item in log} == {"event", "resend"}

    await eventually(both_succeeded)


async def test_replaying_a_time_range_backfills_a_new_endpoint_with_the_events_of_that_range(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, publish_event: Publish
) -> None:
    org = new_org()
    headers = admin(auth, org)
    existing = receiver.route()
    await create_endpoint(webhooks_client, headers, existing.url, ["*"])
    now = datetime.now(UTC)
    sent: list[CloudEvent] = [
        await publish_event(person_created(org), org, time=now - timedelta(hours=hours))
        for hours in (3, 2, 1)
    ]
    await publish_event(match_accepted(org), org, time=now - timedelta(hours=2))  # not subscribed below
    await existing.wait_for(4)

    late = receiver.route()
    newcomer = await create_endpoint(webhooks_client, headers, late.url, ["*.person.*"])
    window = {"from": (now - timedelta(hours=2, minutes=30)).isoformat(), "to": now.isoformat()}
    replayed = await webhooks_client.post(
        f"/v1/endpoints/{newcomer['id']}/replay", json=window, headers=headers
    )
    assert replayed.status_code == 202, replayed.text
    assert replayed.json() == {"enqueued": 2}

    requests = await late.wait_for(2)
    assert {request.headers["webhook-id"] for request in requests} == {str(sent[1].id), str(sent[2].id)}
    for request in requests:
        Webhook(newcomer["secret"]).verify(request.body, request.headers)
    log = await delivery_log(webhooks_client, headers, newcomer["id"])
    assert {item["trigger"] for item in log} == {"replay"}

    # Replaying again only what the endpoint did not receive: nothing.
    await eventually(lambda: _all_settled(webhooks_client, headers, newcomer["id"]))
    only_failed = await webhooks_client.post(
        f"/v1/endpoints/{newcomer['id']}/replay", json={**window, "only_failed": True}, headers=headers
    )
    assert only_failed.json() == {"enqueued": 0}


async def _all_settled(client: httpx.AsyncClient, headers: dict[str, str], endpoint_id: str) -> bool:
    return all(item["status"] == "succeeded" for item in await delivery_log(client, headers, endpoint_id))


async def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, publish_event: Publish
) -> None:
    org = new_org()
    headers = admin(auth, org)
    route = receiver.route()
    created = await create_endpoint(webhooks_client, headers, route.url, ["mentorship.profiles.*"])
    rotate = f"/v1/endpoints/{created['id']}/secret/rotate"
    overlapping = (await webhooks_client.post(rotate, json={"overlap_seconds": 3600}, headers=headers)).json()

    await publish_event(person_created(org), org)
    (during,) = await route.wait_for(1)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(created["secret"]).verify(during.body, during.headers)
    Webhook(overlapping["secret"]).verify(during.body, during.headers)

    immediate = (await webhooks_client.post(rotate, json={"overlap_seconds": 0}, headers=headers)).json()
    await publish_event(person_created(org), org)
    _, after = await route.wait_for(2)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    Webhook(immediate["secret"]).verify(after.body, after.headers)
    for retired in (created["secret"], overlapping["secret"]):
        with pytest.raises(WebhookVerificationError):
            Webhook(retired).verify(after.body, after.headers)


async def test_a_disabled_endpoint_gets_nothing_until_enabled_again(
    webhooks_client: httpx.AsyncClient,
    auth: AuthHeaders,
    receiver: Receiver,
    publish_event: Publish,
    platform: Platform,
) -> None:
    org = new_org()
    headers = admin(auth, org)
    route, watcher = receiver.route(), receiver.route()
    created = await create_endpoint(webhooks_client, headers, route.url, ["mentorship.profiles.*"])
    await create_endpoint(webhooks_client, headers, watcher.url, ["mentorship.webhooks.endpoint.disabled"])
    path = f"/v1/endpoints/{created['id']}"
    await webhooks_client.patch(path, json={"enabled": False}, headers={**headers, "If-Match": '"1"'})
    (notice,) = await watcher.wait_for(1)
    assert json.loads(notice.body)["data"]["reason"] == "admin"

    await publish_event(person_created(org), org)
    await nothing_more_to_deliver(platform, org)
    assert route.requests == []
    await webhooks_client.patch(path, json={"enabled": True}, headers={**headers, "If-Match": '"2"'})
    sent = await publish_event(person_created(org), org)
    (request,) = await route.wait_for(1)
    assert request.headers["webhook-id"] == str(sent.id)
    assert uuid.UUID(request.headers["webhook-id"])
