"""Every API served over real HTTP on local ports (uvicorn, each in a thread with its own event
loop), against the test platform, so the CLI talks to them exactly as to `mentorship run`."""

from __future__ import annotations

import contextlib
import importlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from mentorship.services import select
from tests.conftest import Platform, service_settings


def free_port_base(attempts: int = 50) -> int:
    """A port base whose service ports (base+1 ... base+5) are all free right now."""
    offsets = [service.api_port(0) for service in select()]
    for _ in range(attempts):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1] - min(offsets)
        if base > 1024 and all(_free(base + offset) for offset in offsets):
            return base
    raise RuntimeError("no free port range found")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def serving(platform: Platform, *, port_base: int) -> Iterator[None]:
    """Every registered service's API on 127.0.0.1:port_base+N until the block ends."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []
    try:
        for service in select():
            app = importlib.import_module(f"{service.name}.main").create_app(
                service_settings(service.name, platform)
            )
            config = uvicorn.Config(
                app, host="127.0.0.1", port=service.api_port(port_base), log_level="warning", lifespan="on"
            )
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, name=f"{service.name}-api", daemon=True)
            thread.start()
            servers.append((server, thread))
        deadline = time.monotonic() + 30
        while not all(server.started for server, _ in servers):
            if time.monotonic() > deadline or not all(thread.is_alive() for _, thread in servers):
                raise RuntimeError("an API did not start")
            time.sleep(0.05)
        yield
    finally:
        for server, _ in servers:
            server.should_exit = True
        for _, thread in servers:
            thread.join(timeout=15)
