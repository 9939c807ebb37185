"""Connections that go only to checked addresses, and to exactly the address that was checked.

Checking a host name and then letting the HTTP client resolve it again would leave a window for
DNS rebinding (a first answer that passes, a second one pointing inside). Here the connection
pool's network backend resolves the name once per connection, applies `destinations` to every
address, and opens the TCP connection to one of those very addresses. TLS still uses the URL's
host name for SNI and certificate verification, and the Host header is the URL's, so virtual
hosting and HTTPS work as usual. The pool reads no proxy settings, so nothing routes around the check.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import time
import typing
from collections.abc import Awaitable, Callable

import httpcore
import httpx

from shared.outbound.destinations import (
    DestinationPolicy,
    DestinationRefused,
    IPAddress,
    check_addresses,
    literal_address,
)

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for `host`, in its order, without repeats."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = literal_address(str(sockaddr[0]).split("%", 1)[0])
        if address is not None and address not in addresses:
            addresses.append(address)
    return addresses


# Writes held back to go out together, up to this many bytes (see `_Stream`).
WRITE_COALESCE_BYTES = 64 * 1024


class _Stream(httpcore.AsyncNetworkStream):
    """A connected stream that answers httpcore's "is this idle connection readable?" from its
    socket directly. httpcore asks it of every pooled connection for every request it places, and
    anyio rebuilds a table of attributes for each answer: a fifth of the CPU of a request.

    It also sends a request in one piece: httpcore writes a request's head and its body apart,
    which is two system calls and, on the receiver's side, two wake-ups per request. Writes are
    held until the stream is read (the response, which always follows the request) or until they
    add up to `WRITE_COALESCE_BYTES`, then sent together."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket = stream.get_extra_info("socket")
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._write_timeout: float | None = None

    async def _flush(self) -> None:
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held = []
        self._held_bytes = 0
        await self._stream.write(data, self._write_timeout)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        await self._flush()
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self._held.append(buffer)
        self._held_bytes += len(buffer)
        self._write_timeout = timeout
        if self._held_bytes >= WRITE_COALESCE_BYTES:
            await self._flush()

    async def aclose(self) -> None:
        self._held = []  # closing: what was not sent is not sent
        await self._stream.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        await self._flush()
        return _Stream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            return _socket_readable(self._socket)
        return self._stream.get_extra_info(info)


def _socket_readable(sock: socket.socket | None) -> bool:
    """Readable (or gone): an idle keep-alive connection the server closed or wrote to."""
    if sock is None or sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class PinnedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, and connects to the checked address; refuses Unix sockets."""

    def __init__(
        self,
        policy: DestinationPolicy,
        *,
        resolver: Resolver = system_resolver,
        backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._backend = backend or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolver(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        check_addresses(host, addresses, self._policy)
        error: Exception | None = None
        for address in addresses:
            try:
                stream = await self._backend.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
            else:
                return _Stream(stream)
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise DestinationRefused("outbound requests never go to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def pinned_pool(
    policy: DestinationPolicy,
    *,
    max_connections: int,
    resolver: Resolver = system_resolver,
    ssl_context: ssl.SSLContext | None = None,
) -> httpcore.AsyncConnectionPool:
    """A connection pool (httpcore, the engine under httpx) whose connections all go through
    `PinnedNetworkBackend`. It never follows redirects and reads no proxy settings; certificates
    are verified against the system's CAs (httpx's default) unless `ssl_context` says otherwise."""
    return httpcore.AsyncConnectionPool(
        ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=30.0,
        network_backend=PinnedNetworkBackend(policy, resolver=resolver),
    )


class EndpointPools:
    """One small pinned pool per endpoint (any hashable key), closed after a while unused.

    A sender that never has more than `per_endpoint` requests in flight to one endpoint (the
    webhook dispatcher) needs no more connections in its pool; and a small pool stays cheap
    (httpcore looks at every connection of a pool for every request it places).
    """

    def __init__(
        self,
        policy: DestinationPolicy,
        *,
        per_endpoint: int,
        idle_seconds: float = 60.0,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._policy = policy
        self._per_endpoint = per_endpoint
        self._idle_seconds = idle_seconds
        self._resolver = resolver
        self._pools: dict[typing.Hashable, tuple[httpcore.AsyncConnectionPool, float]] = {}

    def get(self, endpoint: typing.Hashable) -> httpcore.AsyncConnectionPool:
        now = time.monotonic()
        entry = self._pools.get(endpoint)
        pool = entry[0] if entry is not None else None
        if pool is None:
            pool = pinned_pool(self._policy, max_connections=self._per_endpoint, resolver=self._resolver)
        self._pools[endpoint] = (pool, now)
        return pool

    async def close_idle(self, *, busy: typing.Container[typing.Hashable]) -> None:
        """Close the pools of endpoints with nothing in flight and unused for `idle_seconds`."""
        cutoff = time.monotonic() - self._idle_seconds
        for endpoint, (pool, used) in list(self._pools.items()):
            if used < cutoff and endpoint not in busy:
                del self._pools[endpoint]
                await pool.aclose()

    async def aclose(self) -> None:
        pools = [pool for pool, _ in self._pools.values()]
        self._pools.clear()
        for pool in pools:
            await pool.aclose()


async def resolve_and_check(
    host: str, port: int, policy: DestinationPolicy, *, resolver: Resolver = system_resolver
) -> None:
    """Early check when a destination is registered: refuse a host that resolves to a forbidden address.

    A name that does not resolve (yet) is accepted: deliveries will fail and be retried.
    """
    try:
        addresses = await asyncio.wait_for(resolver(host, port), timeout=5.0)
    except (OSError, TimeoutError):
        return
    check_addresses(host, addresses, policy)
