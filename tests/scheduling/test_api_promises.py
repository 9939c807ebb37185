"""What the scheduling API documents is what it does: text with control characters is a 422
naming the field, and what each session format needs is in the document."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import AuthHeaders, new_org


async def test_a_nul_byte_in_a_feed_label_or_a_cancellation_reason_is_a_422_naming_it(
    scheduling_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    person = auth(new_org(), str(uuid.uuid4()), "mentee")
    feed = await scheduling_client.post("/v1/calendar-feeds", json={"label": "Phone\x00"}, headers=person)
    cancel = await scheduling_client.post(
        f"/v1/sessions/{uuid.uuid4()}/cancel",
        json={"reason": "Ill\x00"},
        headers={**person, "If-Match": '"1"'},
    )
    for response, field in ((feed, "body.label"), (cancel, "body.reason")):
        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_the_document_says_what_each_session_format_needs(
    scheduling_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    document = (await scheduling_client.get("/openapi.json")).json()
    rules = {
        rule["if"]["properties"]["format"]["const"]: rule["then"]
        for rule in document["components"]["schemas"]["SessionBooking"]["allOf"]
    }
    assert rules["video"]["required"] == ["start"]
    assert rules["in_person"]["required"] == ["start", "location"]
    assert rules["async"]["required"] == ["due", "prompt"]
    # And the code refuses what the document forbids: a video session without its start.
    headers = auth(new_org(), str(uuid.uuid4()), "mentee")
    response = await scheduling_client.post(
        f"/v1/matches/{uuid.uuid4()}/sessions", json={"format": "video"}, headers=headers
    )
    assert response.status_code == 422 and "needs a start" in response.text
