"""The FastAPI application every service builds: problems, auth, health, metrics, request context."""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import TokenVerifier
from shared.concurrency import IdempotencyKeys
from shared.config import ServiceSettings
from shared.context import bind, child_traceparent, new_request_id, valid_traceparent
from shared.errors import install_problem_handlers
from shared.logging import configure_logging, get_logger
from shared.messaging_tables import MessagingTables
from shared.metrics import HTTP_LATENCY, HTTP_REQUESTS
from shared.runtime import Runtime

_log = get_logger("shared.http")


class RequestContextMiddleware:
    """Request id and trace context for every request, echoed back, with metrics per route."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        request_id = headers.get("x-request-id", "")[:100] or new_request_id()
        incoming = valid_traceparent(headers.get("traceparent"))
        traceparent = child_traceparent(incoming)
        bind(request_id=request_id, traceparent=traceparent)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                    (b"traceparent", traceparent.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - started
            HTTP_REQUESTS.labels(self.service, scope["method"], template, str(status)).inc()
            HTTP_LATENCY.labels(self.service, scope["method"], template).observe(elapsed)


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    on_startup: Callable[[FastAPI, Runtime], Awaitable[None]] | None = None,
    openapi_tags: list[dict[str, Any]] | None = None,
    messaging: MessagingTables | None = None,
) -> FastAPI:
    """A service's app: `/v1/...` routers plus `/healthz`, `/readyz` and `/metrics`.

    With the service's `messaging` tables, routes can create idempotently (shared.dependencies.Writer).
    """
    configure_logging(level=settings.log_level, json_logs=settings.log_json, service=settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.create(settings)
        app.state.runtime = runtime
        app.state.settings = settings
        app.state.token_verifier = TokenVerifier(settings)
        app.state.idempotency = IdempotencyKeys(messaging.idempotency) if messaging is not None else None
        await runtime.connect_nats(wait=False)
        if on_startup is not None:
            await on_startup(app, runtime)
        # Everything loaded so far lives as long as the process: keep the collector from scanning
        # it again and again (fewer, shorter pauses in the request path's tail latency).
        gc.collect()
        gc.freeze()
        _log.info("service started", service=settings.service_name)
        try:
            yield
        finally:
            await runtime.close()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        responses={
            401: {"description": "Missing or invalid token (problem details)"},
            422: {"description": "Invalid request (problem details with the offending fields)"},
        },
    )
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    for router in routers:
        app.include_router(router)

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Readiness: database and NATS reachable")
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        checks = {
            "database": "ok" if await runtime.database_ready() else "unavailable",
            "nats": "ok" if runtime.nats_ready() else "unavailable",
        }
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
