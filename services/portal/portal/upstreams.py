"""The owning services' APIs, as the portal calls them: with the caller's own token, over pooled
keep-alive connections, each call bounded in time. A call that cannot be answered is `Unavailable`
(with the reason), never an exception: one missing part must not take the whole home view down."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from portal.config import PortalSettings


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Why a part could not be read (`status`: the service's answer, when it gave one)."""

    reason: str
    status: int | None = None


class Upstreams:
    """One pooled HTTP client per owning service that is part of this deployment."""

    def __init__(
        self,
        settings: PortalSettings,
        services: tuple[str, ...],
        *,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        """`transports`: how to reach some services other than over the network (tests, in-process)."""
        self._timeout = settings.upstream_timeout_seconds
        limits = httpx.Limits(
            max_connections=settings.upstream_connections,
            max_keepalive_connections=settings.upstream_connections,
        )
        self._clients: dict[str, httpx.AsyncClient] = {}
        for service in services:
            url = settings.service_url(service)
            transport = (transports or {}).get(service)
            if url or transport:
                self._clients[service] = httpx.AsyncClient(
                    base_url=url or f"http://{service}",
                    limits=limits,
                    timeout=self._timeout,
                    trust_env=False,
                    transport=transport,
                )

    def deployed(self, service: str) -> bool:
        return service in self._clients

    async def get(
        self, service: str, path: str, *, token: str, params: Mapping[str, Any] | None = None
    ) -> Any | Unavailable:
        """The JSON document at `path` of `service`, read as the caller (their bearer token)."""
        client = self._clients.get(service)
        if client is None:
            return Unavailable(f"{service} is not part of this deployment")
        try:
            async with asyncio.timeout(self._timeout):
                response = await client.get(
                    path, params=dict(params or {}), headers={"Authorization": f"Bearer {token}"}
                )
        except (httpx.TransportError, TimeoutError):
            return Unavailable(f"{service} did not answer")
        if response.status_code == 404:
            return Unavailable(f"{service} has nothing at {path} for this person", 404)
        if response.status_code != 200:
            return Unavailable(f"{service} answered {response.status_code}", response.status_code)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return Unavailable(f"{service} answered something other than JSON")

    async def close(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self._clients.values()))
