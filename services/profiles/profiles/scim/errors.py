"""SCIM errors (RFC 7644 §3.12): `application/scim+json` bodies with the SCIM Error schema.

Only the `/scim/v2` routes answer this way (their route class catches every error); the rest of
the API keeps RFC 9457 problem details.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    ForbiddenException,
    InvalidValueException,
    NotFoundException,
    PreconditionFailedException,
    SCIMException,
    UnauthorizedException,
    UniquenessException,
)
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from profiles.scim.mapping import SCIM_ATTRIBUTE_OF_FIELD
from shared.errors import RETRY_AFTER_SECONDS, Problem, database_refusal, database_unavailable
from shared.logging import describe_error, get_logger

SCIM_JSON = "application/scim+json"
# The problems of a 409 that are uniqueness clashes (SCIM `scimType: uniqueness`); others are not.
UNIQUENESS_SLUGS = frozenset({"conflict", "id-unavailable"})
_log = get_logger("profiles.scim")


class ScimResponse(Response):
    media_type = SCIM_JSON


def _attribute(field: str) -> str:
    name = field.removeprefix("body.").split(".")[0]
    return SCIM_ATTRIBUTE_OF_FIELD.get(name, name)


def from_problem(problem: Problem) -> SCIMException:
    """The SCIM error a use case's problem stands for."""
    detail = problem.detail or problem.title
    if problem.errors:
        detail = "; ".join(f"{_attribute(error['field'])}: {error['message']}" for error in problem.errors)
    by_status: dict[int, Callable[[], SCIMException]] = {
        401: lambda: UnauthorizedException(detail=detail),
        403: lambda: ForbiddenException(detail=detail),
        404: lambda: NotFoundException(detail=detail),
        409: lambda: UniquenessException(detail=detail),
        412: lambda: PreconditionFailedException(detail=detail),
        422: lambda: InvalidValueException(detail=detail),
    }
    if problem.status == 409 and problem.slug not in UNIQUENESS_SLUGS:
        # A conflict with the resource's state (an erased person is never reactivated), not a
        # uniqueness clash: a plain 409 without `scimType` (RFC 7644 §3.12).
        plain = SCIMException(detail=detail)
        plain.status = 409
        return plain
    exception = by_status.get(problem.status, lambda: InvalidValueException(detail=detail))()
    if problem.status not in by_status:
        exception.status = problem.status
    return exception


def error_response(error: Error, headers: dict[str, str] | None = None) -> Response:
    body = error.model_dump_json(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return ScimResponse(body, status_code=int(error.status or 500), headers=headers)


def scim_error(exc: BaseException) -> tuple[Error, dict[str, str] | None]:
    """Any exception as a SCIM Error (an unexpected one as a 500 that says nothing more)."""
    if isinstance(exc, SCIMException):
        return exc.to_error(), getattr(exc, "headers", None)
    if isinstance(exc, Problem):
        return from_problem(exc).to_error(), exc.headers
    if isinstance(exc, ValidationError):
        return Error.from_validation_errors(exc)[0], None
    if isinstance(exc, RequestValidationError):
        return Error(status=400, scim_type="invalidValue", detail=str(exc.errors()[0].get("msg"))), None
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        return Error(status=exc.status_code, detail=detail), dict(exc.headers or {})
    if database_unavailable(exc):
        # An outage, not a bug: the provider retries (RFC 7644 §3.12 lets a 503 say when).
        _log.warning("database unavailable", error=type(exc).__name__)
        detail = "the database is unavailable; retry shortly"
        return Error(status=503, detail=detail), {"Retry-After": str(RETRY_AFTER_SECONDS)}
    refusal = database_refusal(exc)
    if refusal is not None:
        _log.warning("database refused a statement", error=describe_error(exc))
        return from_problem(refusal).to_error(), None
    # A database error's text quotes the statement's values: its class and constraint only.
    quoted = isinstance(exc, DBAPIError)
    _log.error(
        "unhandled error in a SCIM request", error=describe_error(exc), exc_info=None if quoted else exc
    )
    return Error(status=500, detail="an unexpected error occurred"), None


class ScimRoute(APIRoute):
    """Every error of a SCIM route answered as a SCIM Error."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                error, headers = scim_error(exc)
                return error_response(error, headers)

        return scim_handler
