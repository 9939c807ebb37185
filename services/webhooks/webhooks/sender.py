"""One HTTP attempt of a delivery: the event signed (Standard Webhooks headers), then POSTed with
the platform's outbound rules (`shared.outbound.post_once`: pinned, bounded, never raises)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import httpcore

from shared.outbound import AttemptResult, DestinationPolicy, post_once
from webhooks import signing

USER_AGENT = b"mentorship-webhooks/1.0"


async def attempt(
    pool: httpcore.AsyncConnectionPool,
    *,
    url: str,
    policy: DestinationPolicy,
    message_id: str,
    body: bytes,
    keys: Sequence[bytes],
    connect_timeout: float,
    timeout: float,
) -> AttemptResult:
    """POST the signed event to `url` and report the outcome."""
    signed = signing.signed_headers(keys, message_id=message_id, timestamp=int(time.time()), body=body)
    headers = [
        (b"content-type", b"application/json"),
        (b"user-agent", USER_AGENT),
        *((name.encode(), value.encode()) for name, value in signed.items()),
    ]
    return await post_once(
        pool,
        url=url,
        policy=policy,
        headers=headers,
        body=body,
        connect_timeout=connect_timeout,
        timeout=timeout,
    )
