"""RFC 9457 problem details for every error a service returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.logging import describe_error, get_logger

PROBLEM_JSON = "application/problem+json"
_log = get_logger("shared.errors")

_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal-error",
    503: "unavailable",
}
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


# What a client is told to wait before retrying when the database is down.
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached (refused, reset, restarting, pool timeout),
    as opposed to a statement it refused."""
    import asyncpg
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PoolTimeout | ConnectionError | asyncpg.CannotConnectNowError):
            return True
        # Connection exceptions (08), out of resources such as too many connections (53), the
        # server shutting down or not yet accepting (57P0x).
        state = str(getattr(current, "sqlstate", "") or "")
        if state.startswith(("08", "53", "57P0")):
            return True
        if isinstance(current, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError):
            return True
        if isinstance(current, OSError) and not isinstance(current, FileNotFoundError):
            return True
        if isinstance(current, DBAPIError) and (
            current.connection_invalidated or isinstance(current, OperationalError | InterfaceError)
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def database_refusal(exc: BaseException) -> Problem | None:
    """The problem for a statement PostgreSQL refused as bad data (SQLSTATE class 22: a NUL byte,
    an out-of-range number, a string too long) or as a constraint violation (class 23)."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return None
    cause = getattr(exc.orig, "__cause__", None) or exc.orig
    sqlstate = str(getattr(cause, "sqlstate", "") or "")
    if sqlstate.startswith("22"):
        return Problem(422, "the request holds a value the database cannot store", slug="validation-error")
    if sqlstate.startswith("23"):
        constraint = getattr(cause, "constraint_name", None) or "unknown"
        return Problem(409, f"the change conflicts with stored data ({constraint})", slug="conflict")
    return None


def problem_type(slug: str) -> str:
    """The stable `type` URI of a problem (relative, resolved against the API's base)."""
    return f"/problems/{slug}"


class Problem(Exception):
    """An error with a status and a stable type, rendered as `application/problem+json`."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        slug: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.slug = slug or _SLUGS.get(status, "error")
        self.title = title or _TITLES.get(status, "Error")
        self.detail = detail
        self.errors = errors
        self.headers = headers

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": problem_type(self.slug), "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        return body


def not_found(what: str = "resource") -> Problem:
    return Problem(404, f"{what} not found")


def invalid_field(
    field: str, message: str, *, kind: str = "value_error", status: int = 422, slug: str | None = None
) -> Problem:
    """A validation problem naming one field (as `body.<field>` for request fields), like the 422 a
    request model gives, for rules a use case checks against stored state. `slug` gives the problem
    a type of its own (e.g. `slot-too-soon`) where clients tell the reasons apart."""
    path = field if field.split(".", 1)[0] in {"body", "query", "path", "header"} else f"body.{field}"
    slug = slug or ("validation-error" if status == 422 else _SLUGS.get(status, "error"))
    return Problem(status, message, slug=slug, errors=[{"field": path, "message": message, "type": kind}])


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors as `{field, message, type}` with a dotted path into the request."""
    out = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        out.append(
            {
                "field": ".".join(location),
                "message": error.get("msg", "invalid"),
                "type": error.get("type", "invalid"),
            }
        )
    return out


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.body(instance=request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method the app documents at the request's path (its OpenAPI document lists them all,
    including routes of included routers, which the router does not expose one by one)."""
    import re

    path = request.url.path
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods.update(method.upper() for method in operations if method != "parameters")
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error, including validation and unknown routes, as problem details."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the methods of the first route matching the path; a path served
            # by several routes (GET and PUT as two functions) supports all of theirs.
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem_response(Problem(exc.status_code, detail, headers=headers), request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = field_errors(list(exc.errors()))
        return problem_response(
            Problem(422, "the request has invalid fields", slug="validation-error", errors=errors), request
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            # An outage, not a bug: the client may retry; the connection stays open.
            _log.warning("database unavailable", path=request.url.path, error=type(exc).__name__)
            return problem_response(
                Problem(
                    503,
                    "the database is unavailable; retry shortly",
                    slug="unavailable",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                ),
                request,
            )
        # A database error's text quotes the statement's values: log its class and constraint only.
        from sqlalchemy.exc import DBAPIError

        refusal = database_refusal(exc)
        if refusal is not None:
            # Bad input the use case did not catch: still the client's error, never a 500 (the
            # transaction was rolled back whole, so nothing was written).
            _log.warning("database refused a statement", path=request.url.path, error=describe_error(exc))
            return problem_response(refusal, request)
        _log.error(
            "unhandled error",
            path=request.url.path,
            error=describe_error(exc),
            exc_info=None if isinstance(exc, DBAPIError) else exc,
        )
        return problem_response(Problem(500, "an unexpected error occurred"), request)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_unexpected)
