"""JSON logs (structlog) that carry the request id and trace id of the work in progress."""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(*, level: str = "INFO", json_logs: bool = True, service: str = "service") -> None:
    """Route stdlib and structlog output through one JSON (or console) renderer."""
    shared_processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        # Level first: a debug line below the configured level is dropped before the other
        # processors (context merge, timestamp) run, which a consumer would pay per event.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # A service bound in the context wins: in single-process mode one formatter serves all.
            lambda _logger, _name, event: {"service": service, **event},
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "nats"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)


def describe_error(exc: BaseException) -> str:
    """An error as logs may show it: for database errors the class, SQLSTATE and constraint, never
    the message (PostgreSQL quotes the offending values in it: emails, names, free text)."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):
        original = exc.orig
        cause = getattr(original, "__cause__", None) or original
        sqlstate = getattr(cause, "sqlstate", None)
        constraint = getattr(cause, "constraint_name", None)
        parts = [type(cause).__name__]
        if sqlstate:
            parts.append(f"sqlstate={sqlstate}")
        if constraint:
            parts.append(f"constraint={constraint}")
        return " ".join(parts)
    if type(exc).__module__.startswith("asyncpg"):
        return f"{type(exc).__name__} sqlstate={getattr(exc, 'sqlstate', None)}"
    return f"{type(exc).__name__}: {str(exc)[:300]}"
