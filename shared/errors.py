"""RFC 9457 problem details for every error a service returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.logging import get_logger

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
    422: "Unprocessable content",
    428: "Precondition required",
    500: "Internal server error",
    503: "Service unavailable",
}


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


def invalid_field(field: str, message: str, *, kind: str = "value_error", status: int = 422) -> Problem:
    """A validation problem naming one field (as `body.<field>` for request fields), like the 422 a
    request model gives, for rules a use case checks against stored state."""
    path = field if field.split(".", 1)[0] in {"body", "query", "path", "header"} else f"body.{field}"
    slug = "validation-error" if status == 422 else _SLUGS.get(status, "error")
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


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error, including validation and unknown routes, as problem details."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(Problem(exc.status_code, detail, headers=dict(exc.headers or {})), request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = field_errors(list(exc.errors()))
        return problem_response(
            Problem(422, "the request has invalid fields", slug="validation-error", errors=errors), request
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unhandled error", path=request.url.path)
        return problem_response(Problem(500, "an unexpected error occurred"), request)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_unexpected)
