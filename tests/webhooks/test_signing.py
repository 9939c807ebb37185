"""Signatures are Standard Webhooks signatures: the `standardwebhooks` library verifies them."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks.signing import new_secret, secret_key, signature, signed_headers

message_ids = st.text(alphabet="abcdef0123456789-", min_size=1, max_size=40)
bodies = st.text(max_size=2000).map(lambda text: text.encode())


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32


@settings(max_examples=200)
@given(message_id=message_ids, body=bodies)
def test_the_standardwebhooks_library_verifies_our_signature(message_id: str, body: bytes) -> None:
    secret = new_secret()
    headers = signed_headers(
        [secret_key(secret)], message_id=message_id, timestamp=int(time.time()), body=body
    )
    assert Webhook(secret).verify(body, headers, json_parse=False) is None


@settings(max_examples=50)
@given(message_id=message_ids, body=bodies)
def test_our_signature_is_the_one_the_library_computes(message_id: str, body: bytes) -> None:
    secret = new_secret()
    timestamp = int(time.time())
    expected = Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, UTC), body.decode())
    assert signature(secret_key(secret), message_id=message_id, timestamp=timestamp, body=body) == expected


def test_during_a_rotation_either_secret_verifies() -> None:
    old, new = new_secret(), new_secret()
    body = b'{"type": "mentorship.profiles.person.created.v1"}'
    headers = signed_headers(
        [secret_key(new), secret_key(old)], message_id="msg_1", timestamp=int(time.time()), body=body
    )
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_a_tampered_body_or_id_does_not_verify() -> None:
    secret = new_secret()
    body = b'{"a": 1}'
    headers = signed_headers([secret_key(secret)], message_id="msg_1", timestamp=int(time.time()), body=body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a": 2}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "msg_2"})
