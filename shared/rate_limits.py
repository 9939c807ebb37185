"""Rate limits per client address and per token, answered with 429 and `Retry-After`.

Three budgets, in the order a request meets them (limits: `limits` library, sliding windows kept in
the API process's memory; the gateway in front adds a global limit, see deploy/OPERATIONS.md):

- per client address, for requests without a token (anonymous bursts, probes, feed polling);
- per client address, for tokens that failed verification: once a client has spent it, any token
  of theirs that is not already known to be valid is refused before the signature is checked, so
  a flood of forged tokens costs almost nothing;
- per token subject and organization, for authenticated work; requests to routes marked expensive
  (a matching round, analytics) cost more of it.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.auth import TokenVerifier, bearer_token
from shared.errors import Problem
from shared.request_guards import OPERATIONS, route_path, send_problem


@dataclass(frozen=True)
class RateLimitPolicy:
    anonymous: str = "50/second"
    bad_tokens: str = "20/minute"
    per_token: str = "1000/second"
    expensive_cost: int = 20
    expensive: Iterable[str] = ()


@dataclass
class RateLimiter:
    """ASGI middleware applying a `RateLimitPolicy`."""

    app: ASGIApp
    policy: RateLimitPolicy
    _limiter: SlidingWindowCounterRateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._anonymous: RateLimitItem = parse(self.policy.anonymous)
        self._bad_tokens: RateLimitItem = parse(self.policy.bad_tokens)
        self._per_token: RateLimitItem = parse(self.policy.per_token)
        self._expensive = [re.compile(pattern) for pattern in self.policy.expensive]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Probes and scrapes from the platform's own infrastructure are never limited.
        if scope["type"] != "http" or route_path(scope) in OPERATIONS:
            await self.app(scope, receive, send)
            return
        problem = await self._check(scope)
        if problem is not None:
            await send_problem(scope, send, problem)
            return
        await self.app(scope, receive, send)

    async def _check(self, scope: Scope) -> Problem | None:
        request = Request(scope)
        client = scope["client"][0] if scope.get("client") else "unknown"
        token = bearer_token(request)
        if token is None:
            return await self._spend(self._anonymous, "anonymous", client)
        verifier: TokenVerifier = scope["app"].state.token_verifier
        principal = verifier.known(token)
        if principal is None:
            if not await self._limiter.test(self._bad_tokens, "bad-token", client):
                return await self._refusal(self._bad_tokens, "bad-token", client)
            try:
                principal = await verifier.verify(token)
            except Problem as problem:
                await self._limiter.hit(self._bad_tokens, "bad-token", client)
                return problem
        request.state.principal = principal
        cost = self.policy.expensive_cost if self._is_expensive(scope) else 1
        return await self._spend(
            self._per_token, "token", principal.organization, principal.subject, cost=cost
        )

    def _is_expensive(self, scope: Scope) -> bool:
        target = f"{scope['method']} {scope['path']}"
        return any(pattern.fullmatch(target) for pattern in self._expensive)

    async def _spend(self, item: RateLimitItem, *keys: str, cost: int = 1) -> Problem | None:
        if await self._limiter.hit(item, *keys, cost=cost):
            return None
        return await self._refusal(item, *keys)

    async def _refusal(self, item: RateLimitItem, *keys: str) -> Problem:
        stats = await self._limiter.get_window_stats(item, *keys)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return Problem(
            429,
            f"too many requests: at most {item}; retry after {retry_after} s",
            slug="too-many-requests",
            headers={"Retry-After": str(retry_after)},
        )
