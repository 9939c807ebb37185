"""One outbound POST on a pinned pool: bounded in time and size, reported, never raised.

Requests go through httpcore (the engine under httpx) on a pinned pool (`pinned_transport`): it
never follows a redirect (a 3xx is a failure like any non-2xx) and costs a quarter less CPU per
request than the httpx client layer, which adds nothing needed here. A whole attempt, body
included, is bounded by a total timeout on top of the connect/read/write timeouts; only the
beginning of the response body is read, so a huge or endless response costs nothing. The URL is
checked against the destination policy again at every attempt: the rules may have changed since
the destination was registered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpcore

from shared.clock import utcnow
from shared.outbound.destinations import DestinationPolicy, DestinationRefused, check_url

RESPONSE_EXCERPT_BYTES = 1024


@dataclass(frozen=True, slots=True)
class AttemptResult:
    started_at: datetime
    latency_ms: float
    status_code: int | None  # None: no response (refused, unreachable, timed out)
    error: str | None
    response: str | None  # the beginning of the response body
    retry_after: str | None  # the `Retry-After` header, as sent


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


async def post_once(
    pool: httpcore.AsyncConnectionPool,
    *,
    url: str,
    policy: DestinationPolicy,
    headers: Sequence[tuple[bytes, bytes]],
    body: bytes,
    connect_timeout: float,
    timeout: float,
) -> AttemptResult:
    """POST `body` to `url` with `headers` and report the outcome (never raises)."""
    # Uncompressed responses only: nothing is decompressed, so no decompression bomb.
    sent = [*headers, (b"accept-encoding", b"identity")]
    extensions = {"timeout": {"connect": connect_timeout, "read": timeout, "write": timeout, "pool": timeout}}
    started_at = utcnow()
    clock = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    retry_after: str | None = None
    try:
        check_url(url, policy)  # the rules may have changed since the destination was registered
        async with (
            asyncio.timeout(timeout),
            pool.stream("POST", url, headers=sent, content=body, extensions=extensions) as response,
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
