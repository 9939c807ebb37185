"""One-click unsubscribe links (RFC 8058): a token naming a person and a kind, signed, unguessable.

The token is the person id and the kind, then an HMAC-SHA256 of both under the service's secret:
whoever holds the link may switch that one kind's emails off for that one person, and nobody can
forge a link for anyone else. Pure code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid

_MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, b"unsubscribe\0" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(secret: bytes, *, person_id: uuid.UUID, kind: str) -> str:
    payload = person_id.bytes + kind.encode("ascii")
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def read_token(secret: bytes, token: str) -> tuple[uuid.UUID, str] | None:
    """The person and kind a genuine token names, or None for anything else."""
    if len(token) > 200 or token.count(".") != 1:
        return None
    encoded, signature = token.split(".")
    try:
        payload, mac = _unb64(encoded), _unb64(signature)
    except (binascii.Error, ValueError):
        return None
    if len(payload) <= 16 or not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    try:
        return uuid.UUID(bytes=payload[:16]), payload[16:].decode("ascii")
    except (UnicodeDecodeError, ValueError):
        return None
