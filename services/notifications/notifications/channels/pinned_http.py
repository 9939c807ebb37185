"""An aiohttp session for slack-sdk that obeys the platform's outbound rules (shared.outbound).

slack-sdk's async clients speak aiohttp, so the pinning is done the aiohttp way: the connector's
resolver resolves each host once, refuses it unless every address passes
`shared.outbound.check_addresses`, and hands aiohttp exactly the checked addresses to connect to
(no second lookup, so no DNS rebinding). Every request URL is checked with `check_url` (HTTPS
unless the operator allows HTTP, no credentials), and redirects are refused, as for webhooks.
"""

from __future__ import annotations

import socket
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from shared.outbound import DestinationPolicy, DestinationRefused, check_addresses, check_url
from shared.outbound.pinned_transport import Resolver, system_resolver


class PinnedResolver(AbstractResolver):
    def __init__(self, policy: DestinationPolicy, resolver: Resolver = system_resolver) -> None:
        self._policy = policy
        self._resolver = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self._resolver(host, port)
        check_addresses(host, addresses, self._policy)
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        return None


def pinned_session(policy: DestinationPolicy, *, limit: int = 32) -> aiohttp.ClientSession:
    """A session whose every connection goes to a checked address of a checked URL."""

    async def on_start(
        _session: Any, _context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        check_url(str(params.url), policy)

    async def on_redirect(
        _session: Any, _context: SimpleNamespace, params: aiohttp.TraceRequestRedirectParams
    ) -> None:
        raise DestinationRefused(
            f"redirect to {params.response.headers.get('Location', '?')[:300]} not followed"
        )

    tracing = aiohttp.TraceConfig()
    tracing.on_request_start.append(on_start)
    tracing.on_request_redirect.append(on_redirect)
    connector = aiohttp.TCPConnector(resolver=PinnedResolver(policy), use_dns_cache=False, limit=limit)
    return aiohttp.ClientSession(connector=connector, trace_configs=[tracing], trust_env=False)
