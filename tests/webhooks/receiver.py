"""A real HTTP server on 127.0.0.1 that plays webhook receivers: one route per test, scripted replies.

It runs in its own threads (stdlib `ThreadingHTTPServer`), so a route that answers slowly does
not hold up the others, just as with real, independent receivers.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.toolkit import eventually


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    hold: threading.Event | None = None  # answer only once this is set


@dataclass(frozen=True)
class Received:
    number: int  # 1-based, per route
    headers: dict[str, str]  # lowercase names
    body: bytes
    at: float  # time.time() when the request arrived


Behaviour = Callable[[int], Reply]


def always(status: int = 200, **reply: object) -> Behaviour:
    return lambda _number: Reply(status=status, **reply)  # type: ignore[arg-type]


def in_turn(replies: Sequence[Reply | int]) -> Behaviour:
    """The n-th request gets the n-th reply; the last one repeats."""
    scripted = [reply if isinstance(reply, Reply) else Reply(status=reply) for reply in replies]
    return lambda number: scripted[min(number, len(scripted)) - 1]


class Route:
    def __init__(self, base_url: str, behaviour: Behaviour) -> None:
        self.path = f"/hooks/{uuid.uuid4().hex}"
        self.url = base_url + self.path
        self.behaviour = behaviour
        self.requests: list[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def arrive(self, headers: dict[str, str], body: bytes) -> Reply:
        with self._lock:
            received = Received(len(self.requests) + 1, headers, body, time.time())
            self.requests.append(received)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return self.behaviour(received.number)

    def done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    async def wait_for(self, count: int, *, timeout: float = 10.0) -> list[Received]:
        """The requests received once there are at least `count` (fails after `timeout`)."""

        async def arrived() -> list[Received] | None:
            return list(self.requests) if len(self.requests) >= count else None

        return await eventually(arrived, timeout=timeout, what=f"{count} requests on {self.path}")


class Receiver:
    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                route = receiver._routes.get(self.path)
                if route is None:
                    self._answer(Reply(status=404, body=b"no such route"))
                    return
                reply = route.arrive({k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    if reply.delay:
                        time.sleep(reply.delay)
                    if reply.hold is not None:
                        reply.hold.wait(timeout=60)
                    with contextlib.suppress(OSError):  # the client gave up waiting
                        self._answer(reply)
                finally:
                    route.done()

            def _answer(self, reply: Reply) -> None:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def route(self, behaviour: Behaviour | None = None) -> Route:
        route = Route(self.base_url, behaviour or always(200))
        self._routes[route.path] = route
        return route

    @contextlib.contextmanager
    def running(self) -> Iterator[Receiver]:
        self._thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
