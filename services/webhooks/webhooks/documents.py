"""Endpoints and deliveries as documents: what the API shows and what events carry (never a secret).

The one exception is the response that creates a secret (a new endpoint, a rotated secret). Kept
for `Idempotency-Key` replays, it is stored with the secret sealed (`secret_box`), so no secret
is ever kept in clear, not even there; a replay opens it again for the same caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Response

from shared.contracts.webhooks import EndpointState
from shared.responses import DocumentResponse, json_ready
from shared.secret_box import SecretBox
from webhooks.schemas import Attempt, Delivery, Endpoint

Document = dict[str, Any]

ENDPOINT_FIELDS: tuple[str, ...] = tuple(Endpoint.model_fields)
ENDPOINT_STATE_FIELDS: tuple[str, ...] = tuple(EndpointState.model_fields)
DELIVERY_FIELDS: tuple[str, ...] = tuple(Delivery.model_fields)
ATTEMPT_FIELDS: tuple[str, ...] = tuple(Attempt.model_fields)
SECRET_FIELD = "secret"


def _document(source: Any, fields: tuple[str, ...]) -> Document:
    return {name: getattr(source, name) for name in fields}


def endpoint_document(source: Any) -> Document:
    return _document(source, ENDPOINT_FIELDS)


def endpoint_with_secret(source: Any, secret: str) -> Document:
    """The endpoint and its new secret: only the response that created the secret shows it."""
    return {**endpoint_document(source), SECRET_FIELD: secret}


def endpoint_state(source: Any) -> EndpointState:
    return EndpointState.model_validate(_document(source, ENDPOINT_STATE_FIELDS))


def delivery_document(source: Any) -> Document:
    return _document(source, DELIVERY_FIELDS)


def attempt_document(source: Any) -> Document:
    return _document(source, ATTEMPT_FIELDS)


def secret_sealed(box: SecretBox) -> Callable[[Any], Any]:
    """What an idempotent creation stores of its response: the secret encrypted."""

    def seal(body: Any) -> Any:
        stored = json_ready(body)
        if isinstance(stored, dict) and isinstance(stored.get(SECRET_FIELD), str):
            stored[SECRET_FIELD] = box.seal(stored[SECRET_FIELD])
        return stored

    return seal


def secret_opened(box: SecretBox) -> Callable[[Response], Response]:
    """A replayed response with its stored secret decrypted again."""

    def unseal(replayed: Response) -> Response:
        body = orjson.loads(replayed.body)
        if isinstance(body, dict) and isinstance(body.get(SECRET_FIELD), str):
            body[SECRET_FIELD] = box.open(body[SECRET_FIELD])
        headers = {k: v for k, v in replayed.headers.items() if k.lower() != "content-length"}
        return DocumentResponse(body, status_code=replayed.status_code, headers=headers)

    return unseal
