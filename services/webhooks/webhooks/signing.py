"""Standard Webhooks signatures (https://www.standardwebhooks.com): secrets, signed headers.

A secret is `whsec_` + base64 of 32 random bytes. The signed content is
`{webhook-id}.{webhook-timestamp}.{body}`; the signature is `v1,` + base64(HMAC-SHA256). During a
secret rotation both secrets sign, and `webhook-signature` holds both, separated by a space, so a
receiver verifies with whichever secret it has.

Signing is the standard library's HMAC (the `standardwebhooks` package is a test dependency here;
the tests verify what this module produces with it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh endpoint secret, `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_...` secret."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(key: bytes, *, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of `{message_id}.{timestamp}.{body}`."""
    signed = b"%s.%d.%s" % (message_id.encode(), timestamp, body)
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def signed_headers(keys: Sequence[bytes], *, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, with one signature per key."""
    if not keys:
        raise ValueError("at least one key signs")
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(key, message_id=message_id, timestamp=timestamp, body=body) for key in keys
        ),
    }
