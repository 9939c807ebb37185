"""One HTTP attempt of a delivery: sign, POST, and note what happened (never raises).

Requests go through httpcore (the engine under httpx) on a pinned pool: it never follows a
redirect (a 3xx is a failure like any non-2xx) and costs a quarter less CPU per request than the
httpx client layer, which adds nothing needed here. A whole attempt, body included, is bounded
by a total timeout on top of the connect/read/write timeouts; only the beginning of the response
body is read, so a huge or endless response costs nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpcore

from webhooks import signing
from webhooks.destinations import DestinationPolicy, DestinationRefused, check_url

USER_AGENT = b"mentorship-webhooks/1.0"
RESPONSE_EXCERPT_BYTES = 1024


@dataclass(frozen=True, slots=True)
class AttemptResult:
    started_at: datetime
    latency_ms: float
    status_code: int | None
    error: str | None
    response: str | None
    retry_after: str | None


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _excerpt(response: httpcore.Response) -> str:
    received = bytearray()
    async for chunk in response.aiter_stream():
        received.extend(chunk)
        if len(received) >= RESPONSE_EXCERPT_BYTES:
            break
    return bytes(received[:RESPONSE_EXCERPT_BYTES]).decode("utf-8", errors="replace")


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
        # Uncompressed responses only: nothing is decompressed, so no decompression bomb.
        (b"accept-encoding", b"identity"),
        *((name.encode(), value.encode()) for name, value in signed.items()),
    ]
    extensions = {"timeout": {"connect": connect_timeout, "read": timeout, "write": timeout, "pool": timeout}}
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    retry_after: str | None = None
    try:
        check_url(url, policy)  # the rules may have changed since the endpoint was registered
        async with (
            asyncio.timeout(timeout),
            pool.stream("POST", url, headers=headers, content=body, extensions=extensions) as response,
        ):
            status_code = response.status
            retry_after = _header(response.headers, b"retry-after")
            if 300 <= status_code < 400:
                location = _header(response.headers, b"location") or "?"
                error = f"redirect to {location[:300]} not followed"
            excerpt = await _excerpt(response)
    except DestinationRefused as exc:
        error = f"destination refused: {exc}"
    except (TimeoutError, httpcore.TimeoutException):
        if status_code is None:
            error = f"timed out after {timeout:g} s"
        # else the endpoint answered: a slow body after the status is not held against it
    except Exception as exc:  # connection refused or reset, TLS failure, a malformed response ...
        error = f"{type(exc).__name__}: {exc}"[:500] if str(exc) else type(exc).__name__
    return AttemptResult(
        started_at=started_at,
        latency_ms=(time.perf_counter() - clock) * 1000.0,
        status_code=status_code,
        error=error,
        response=excerpt,
        retry_after=retry_after,
    )
