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
from starlette.exceptions import HTTPException as StarletteHTTPException

from profiles.scim.mapping import SCIM_ATTRIBUTE_OF_FIELD
from shared.errors import Problem
from shared.logging import get_logger

SCIM_JSON = "application/scim+json"
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
        return exc.to_error(), None
    if isinstance(exc, Problem):
        return from_problem(exc).to_error(), exc.headers
    if isinstance(exc, ValidationError):
        return Error.from_validation_errors(exc)[0], None
    if isinstance(exc, RequestValidationError):
        return Error(status=400, scim_type="invalidValue", detail=str(exc.errors()[0].get("msg"))), None
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        return Error(status=exc.status_code, detail=detail), dict(exc.headers or {})
    _log.error("unhandled error in a SCIM request", error=repr(exc), exc_info=exc)
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
