"""The FastAPI application every service builds: problems, auth, health, metrics, request context."""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest, start_http_server
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import routing
from shared.auth import TokenVerifier
from shared.concurrency import IdempotencyKeys
from shared.config import ServiceSettings
from shared.context import bind, child_traceparent, new_request_id, valid_traceparent
from shared.errors import install_problem_handlers
from shared.logging import configure_logging, get_logger
from shared.messaging_tables import MessagingTables
from shared.metrics import HTTP_LATENCY, HTTP_REQUESTS
from shared.openapi import install_complete_openapi
from shared.rate_limits import RateLimiter, RateLimitPolicy
from shared.request_guards import RequestGuard
from shared.runtime import Runtime
from shared.security_headers import SecurityHeaders

_log = get_logger("shared.http")
# What /readyz answers, ready (200) or not (503).
READINESS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"type": "string", "enum": ["ready", "not ready"]},
        "checks": {
            "type": "object",
            "properties": {
                "database": {"type": "string", "enum": ["ok", "unavailable"]},
                "nats": {"type": "string", "enum": ["ok", "unavailable"]},
            },
        },
    },
}


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


OPERATIONS_TAG = {"name": "operations", "description": "Health and metrics"}


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    on_startup: Callable[[FastAPI, Runtime], Awaitable[None]] | None = None,
    on_shutdown: Callable[[FastAPI, Runtime], Awaitable[None]] | None = None,
    openapi_tags: list[dict[str, Any]] | None = None,
    messaging: MessagingTables | None = None,
    body_limits: Mapping[str, int] | None = None,
    public_paths: Iterable[str] = (),
    expensive_paths: Iterable[str] = (),
) -> FastAPI:
    """A service's app: `/v1/...` routers plus `/healthz`, `/readyz` and `/metrics`.

    With the service's `messaging` tables, routes can create idempotently (shared.dependencies.Writer).
    `on_startup` runs once the runtime is up, `on_shutdown` before it closes (e.g. to open and close
    a pool of the service's own).
    Every request passes the shared guards: security headers, rate limits (`expensive_paths`:
    "METHOD /path" patterns that cost more), authentication of writes before their body is read
    (`public_paths`: path patterns whose writes need no token) and a body-size limit
    (`settings.max_body_bytes`; `body_limits`: larger limits per path prefix, e.g. imports).
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
            try:
                if on_shutdown is not None:
                    await on_shutdown(app, runtime)
            finally:
                await runtime.close()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        # The routers' own tags (shared.routing.Routes), then any only some routes carry.
        openapi_tags=[*routing.openapi_tags(routers), *(openapi_tags or ()), OPERATIONS_TAG],
    )
    install_problem_handlers(app)
    install_complete_openapi(app)
    # Added innermost first: the request context wraps everything, so refusals are logged and counted.
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        body_limits=dict(body_limits or {}),
        public=tuple(public_paths),
    )
    if settings.rate_limit_enabled:
        app.add_middleware(
            RateLimiter,
            policy=RateLimitPolicy(
                anonymous=settings.rate_limit_anonymous,
                bad_tokens=settings.rate_limit_bad_tokens,
                per_token=settings.rate_limit_per_token,
                expensive=tuple(expensive_paths),
            ),
        )
    app.add_middleware(SecurityHeaders)
    if settings.cors_enabled:
        # Outside the guards: a preflight carries no token and no body, and is answered here.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_origin_regex=settings.cors_origin_regex,
            allow_methods=settings.cors_allow_methods,
            allow_headers=settings.cors_allow_headers,
            expose_headers=settings.cors_expose_headers,
            allow_credentials=settings.cors_allow_credentials,
            max_age=settings.cors_max_age_seconds,
        )
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    for router in routers:
        app.include_router(router)

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness: the database is reachable (NATS is reported, not required)",
        responses={
            200: {"content": {"application/json": {"schema": READINESS_SCHEMA}}},
            503: {
                "description": "The database is unreachable",
                "content": {"application/json": {"schema": READINESS_SCHEMA}},
            },
        },
    )
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        # An API writes through its outbox, so it serves through a NATS outage: only the database
        # decides readiness. Workers are the ones that need NATS, and report it themselves.
        database = await runtime.database_ready()
        checks = {
            "database": "ok" if database else "unavailable",
            "nats": "ok" if runtime.nats_ready() else "unavailable",
        }
        return JSONResponse(
            {"status": "ready" if database else "not ready", "checks": checks},
            status_code=200 if database else 503,
        )

    if settings.api_metrics_port:
        start_http_server(settings.api_metrics_port, addr=settings.api_metrics_host)
    if settings.serves_metrics_on_api_port:

        @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", include_in_schema=False)
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
