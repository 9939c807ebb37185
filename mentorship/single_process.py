"""The single-process mode, for small organizations: every service's API in one process and every
service's worker in another (`mentorship api-all`, `mentorship worker-all`, `mentorship run
--single-process`), next to one process per API and per worker for large ones.

Nothing about a service changes but where it runs. Each service keeps its own settings, engine and
connection pool, PostgreSQL schema, NATS connection, durable consumers (named after it) and job
runner, and each API keeps its own port and root path (`/<service>`), so the gateway, the clients
and the docs' URLs stay as they are. What the processes share is the interpreter: Python, FastAPI,
SQLAlchemy, NATS and the other libraries are loaded once instead of once per process.

Settings come from the environment as usual; a setting for one service alone is
`<SERVICE>__<SETTING>` (e.g. `PROFILES__PUBLIC_BASE_URL`), which wins over `<SETTING>` for that
service. Metrics ports are the process's: `API_METRICS_PORT` / `WORKER_METRICS_PORT` serve every
service's metrics (labelled by service) from one port.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import importlib
import os
import signal
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from typing import Any

import structlog
import uvicorn
from prometheus_client import start_http_server

from mentorship.services import DEFAULT_PORT_BASE, ServiceSpec, names, select
from shared.config import ServiceSettings
from shared.worker import serve

# Connections each service's engine may keep (and as many again in overflow) when the environment
# does not say (DATABASE_POOL_SIZE, or <SERVICE>__DATABASE_POOL_SIZE): ten services share one
# process and one small organization's load, so ten pools of the default size would mostly hold
# idle connections to PostgreSQL.
POOL_SIZE = 3
# How long the workers get to hand back what they hold (consumers nak, jobs release) on shutdown.
STOP_SECONDS = 30


def override_prefix(service: str) -> str:
    """The prefix of environment variables meant for `service` alone (`PROFILES__`)."""
    return f"{service.upper()}__"


def settings_class(service: str) -> type[ServiceSettings]:
    """The `ServiceSettings` subclass in `<service>.config`."""
    module = importlib.import_module(f"{service}.config")
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings:
            return value
    raise LookupError(f"{service}.config has no ServiceSettings subclass")


def service_settings(service: str, *, environ: Mapping[str, str] | None = None) -> ServiceSettings:
    """`service`'s settings in a process it shares with the other services: the environment, with
    `<SERVICE>__<SETTING>` taking precedence for this service, a small pool unless one is configured,
    and no metrics port of its own (the process serves one for every service)."""
    environ = os.environ if environ is None else environ
    prefixes = tuple(override_prefix(name) for name in names())
    view = {key: value for key, value in environ.items() if not key.startswith(prefixes)}
    prefix = override_prefix(service)
    view.update({key[len(prefix) :]: value for key, value in environ.items() if key.startswith(prefix)})
    view.setdefault("DATABASE_POOL_SIZE", str(POOL_SIZE))
    with _environment(view):
        # Read exactly as a process of its own reads them (pydantic-settings parses the environment),
        # so a value means the same in both layouts.
        return settings_class(service)(worker_metrics_port=None, api_metrics_port=None)


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    # Only while settings are read, at startup, before anything else runs in the process.
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _factory(spec: ServiceSpec) -> Callable[[ServiceSettings], Any]:
    module, _, name = spec.app.partition(":")
    factory: Callable[[ServiceSettings], Any] = getattr(importlib.import_module(module), name)
    return factory


def _worker(spec: ServiceSpec) -> Callable[[ServiceSettings, asyncio.Event], Coroutine[Any, Any, None]]:
    run: Callable[[ServiceSettings, asyncio.Event], Coroutine[Any, Any, None]]
    run = importlib.import_module(spec.worker).run
    return run


def _serve_process_metrics(port_setting: str, host_setting: str) -> None:
    """One metrics endpoint for the process (the registry is the process's: every service's series)."""
    port = os.environ.get(port_setting)
    if port:
        start_http_server(int(port), addr=os.environ.get(host_setting, "127.0.0.1"))


class _SharedLoopServer(uvicorn.Server):
    """A uvicorn server sharing its event loop with others: the process, not each server, owns the
    termination signals (uvicorn's own handlers would each replace the previous one)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def api_servers(specs: Sequence[ServiceSpec], *, host: str, port_base: int) -> list[uvicorn.Server]:
    """One uvicorn server per service, each with the service's app, port and root path."""
    servers: list[uvicorn.Server] = []
    for spec in specs:
        app = _factory(spec)(service_settings(spec.name))
        config = uvicorn.Config(
            app,
            host=host,
            port=spec.api_port(port_base),
            # Served under /<service> by the gateway: the same as `uvicorn --root-path` in every layout.
            root_path=f"/{spec.name}",
            # The platform's JSON logs (shared.logging) for uvicorn's lines too; no access log.
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=STOP_SECONDS,
        )
        servers.append(_SharedLoopServer(config))
    return servers


async def serve_apis(
    specs: Sequence[ServiceSpec], *, host: str = "127.0.0.1", port_base: int = DEFAULT_PORT_BASE
) -> None:
    """Serve every service in `specs` from this process until SIGTERM or SIGINT (a second one forces
    the exit). One that stops on its own (a failed startup, a port in use) stops the others, and
    this raises: a supervisor or orchestrator restarts the process whole."""
    _serve_process_metrics("API_METRICS_PORT", "API_METRICS_HOST")
    servers = api_servers(specs, host=host, port_base=port_base)

    def stop() -> None:
        for server in servers:
            if server.should_exit:
                server.force_exit = True
            server.should_exit = True

    with _on_termination(stop):
        running = {
            asyncio.create_task(server.serve(), name=f"{spec.name} API", context=_context_of(spec.name)): spec
            for spec, server in zip(specs, servers, strict=True)
        }
        done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        stopped_early = not any(server.should_exit for server in servers)
        stop()
        await asyncio.gather(*running, return_exceptions=True)
    if stopped_early:
        first = next(iter(done))
        raise RuntimeError(
            f"the {running[first].name} API stopped on its own ({first.exception()!r}); "
            "every API stopped with it"
        )


async def run_workers(specs: Sequence[ServiceSpec]) -> None:
    """Run every service's worker in `specs` (relay, consumers, jobs) in this event loop until
    SIGTERM or SIGINT. A worker that fails stops the others in order, and this raises."""
    _serve_process_metrics("WORKER_METRICS_PORT", "WORKER_METRICS_HOST")
    stop = asyncio.Event()
    # Every run_worker installs a handler setting this same event (the last one installed wins,
    # which is the same): the process stops as a whole.
    with _on_termination(stop.set):
        running: dict[asyncio.Task[None], ServiceSpec] = {}
        for spec in specs:
            work = _worker(spec)(service_settings(spec.name), stop)
            running[asyncio.create_task(work, name=f"{spec.name} worker", context=_context_of(spec.name))] = (
                spec
            )
        stop_waiter = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([*running, stop_waiter], return_when=asyncio.FIRST_COMPLETED)
        stopped_early = stop_waiter not in done
        stop.set()
        await stop_waiter
        async with asyncio.timeout(STOP_SECONDS + 5):
            await asyncio.gather(*running, return_exceptions=True)
    if stopped_early:
        first = next(task for task in running if task in done)
        raise RuntimeError(
            f"the {running[first].name} worker stopped on its own ({first.exception()!r}); "
            "every worker stopped with it"
        )


def _context_of(service: str) -> contextvars.Context:
    """A context naming `service` in the log context of everything its task starts (its requests,
    consumers and jobs inherit it), so lines from one shared process say which service wrote them."""
    context = contextvars.copy_context()
    context.run(structlog.contextvars.bind_contextvars, service=service)
    return context


@contextlib.contextmanager
def _on_termination(callback: Callable[[], None]) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not from another thread
            loop.add_signal_handler(sig, callback)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m mentorship.single_process apis|workers`: what `mentorship api-all` and `mentorship
    worker-all` run (a small entry point: the operator CLI's own imports are not kept in memory)."""
    parser = argparse.ArgumentParser(prog="python -m mentorship.single_process", description=__doc__)
    parser.add_argument("role", choices=("apis", "workers"))
    parser.add_argument("--services", default="", help="Comma-separated services (default: every one).")
    parser.add_argument("--host", default="127.0.0.1", help="Address the APIs listen on.")
    parser.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE, help="As `mentorship run`'s.")
    options = parser.parse_args(argv)
    try:
        specs = select([name for name in options.services.split(",") if name])
    except ValueError as exc:
        parser.error(str(exc))
    if options.role == "apis":
        serve(serve_apis(specs, host=options.host, port_base=options.port_base))
    else:
        serve(run_workers(specs))


if __name__ == "__main__":
    main()
