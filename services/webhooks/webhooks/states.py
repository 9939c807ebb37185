"""Endpoints and deliveries as documents: what the API shows and what events carry (never a secret)."""

from __future__ import annotations

from typing import Any

from shared.contracts.webhooks import EndpointState
from webhooks.schemas import Attempt, Delivery, Endpoint

Document = dict[str, Any]

ENDPOINT_FIELDS: tuple[str, ...] = tuple(Endpoint.model_fields)
ENDPOINT_STATE_FIELDS: tuple[str, ...] = tuple(EndpointState.model_fields)
DELIVERY_FIELDS: tuple[str, ...] = tuple(Delivery.model_fields)
ATTEMPT_FIELDS: tuple[str, ...] = tuple(Attempt.model_fields)


def _document(source: Any, fields: tuple[str, ...]) -> Document:
    return {name: getattr(source, name) for name in fields}


def endpoint_document(source: Any) -> Document:
    return _document(source, ENDPOINT_FIELDS)


def endpoint_state(source: Any) -> EndpointState:
    return EndpointState.model_validate(_document(source, ENDPOINT_STATE_FIELDS))


def delivery_document(source: Any) -> Document:
    return _document(source, DELIVERY_FIELDS)


def attempt_document(source: Any) -> Document:
    return _document(source, ATTEMPT_FIELDS)
