"""The OpenAPI document every service serves says everything a client can get back.

Routes declare what is particular to them (`responses=problems(403, 404, 409)`); what the platform
adds to every route is added here, once, from what the operation is:

- every error response is an RFC 9457 problem with a schema (`Problem`), as `application/problem+json`;
- an operation behind the bearer token can answer 401, 403 and 429 (a 403 names the roles the
  route requires, from its `require_roles` dependencies);
- every operation can answer 503 when the database is down, and 422 when its input is invalid
  (parameters or body; a control character in any query parameter included);
- a write (POST, PUT, PATCH, DELETE) can answer 409 when it conflicts with stored data;
- an operation with a body can answer 400 (malformed JSON), 413 (too large) and 415 (not JSON);
- an operation with a `cursor` can answer 400 (a cursor that is not one of ours);
- an operation with a path parameter can answer 404;
- an operation taking `If-Match` answers 412 and 428, and the header is documented as required
  (unless the route marks it `OPTIONAL_PRECONDITION`, as SCIM does: then 412 only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "A stable URI naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "The offending fields of a validation problem",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "description": "e.g. body.email or query.cursor"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

DESCRIPTIONS = {
    400: "Bad request: malformed JSON or an invalid cursor (problem details)",
    401: "Missing or invalid token (problem details)",
    403: "Not allowed for this caller (problem details)",
    404: "Not found, or not visible to the caller (problem details)",
    409: "Conflicts with the current state (problem details)",
    412: "If-Match names an older version (problem details)",
    413: "The request body is too large (problem details)",
    415: "The body is not of a supported media type (problem details)",
    422: "Invalid request (problem details naming the offending fields)",
    428: "If-Match is required (problem details)",
    429: "Too many requests: retry after `Retry-After` seconds (problem details)",
    503: "The database is unavailable: retry after `Retry-After` seconds (problem details)",
}
WRITES = frozenset({"post", "put", "patch", "delete"})
# In a header parameter's `json_schema_extra`: an If-Match the route does not require.
OPTIONAL_PRECONDITION = "x-optional-precondition"
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def _add(responses: dict[str, Any], status: int) -> None:
    entry = responses.setdefault(str(status), {"description": DESCRIPTIONS.get(status, "Problem details")})
    content = entry.setdefault("content", {})
    schema = content.get("application/json", {}).get("schema") or {}
    if not schema or schema.get("$ref", "").endswith("/HTTPValidationError"):
        # Errors are problems, not plain JSON (FastAPI's placeholder for a declared response, or its
        # validation error), unless a route documents a JSON body of its own (readiness: its checks).
        content.pop("application/json", None)
    problem = content.setdefault("application/problem+json", {})
    problem.setdefault("schema", _PROBLEM_REF)
    if status in (429, 503):
        entry.setdefault("headers", dict(_RETRY_AFTER))


def complete_operation(operation: dict[str, Any], method: str = "get") -> None:
    """Add the platform's own responses to one operation (`method`) of an OpenAPI document."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    parameters = operation.get("parameters", [])
    statuses = {503, 422}
    if method.lower() in WRITES:
        # A write that breaks a constraint of stored data is a 409 (shared/errors.py), whichever route.
        statuses.add(409)
    if operation.get("security"):
        statuses |= {401, 403, 429}
    if "requestBody" in operation:
        statuses |= {400, 413, 415}
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)
    if any(parameter.get("in") == "query" and parameter.get("name") == "cursor" for parameter in parameters):
        statuses.add(400)
    for parameter in parameters:
        if parameter.get("in") == "header" and parameter.get("name", "").lower() == "if-match":
            if parameter.get("schema", {}).get(OPTIONAL_PRECONDITION):
                statuses.add(412)
                continue
            parameter["required"] = True
            parameter["description"] = "The resource's ETag; required (428 without it, 412 when stale)"
            statuses |= {412, 428}
    # Error responses a route declared already get the problem schema too.
    statuses |= {int(status) for status in responses if status.isdigit() and int(status) >= 400}
    for status in sorted(statuses):
        _add(responses, status)


def _required_roles(dependant: Dependant) -> frozenset[str]:
    """The roles a route's dependencies require (`shared.auth.require_roles`), if any."""
    roles: frozenset[str] = frozenset()
    for dependency in dependant.dependencies:
        roles |= getattr(dependency.call, "required_roles", frozenset())
        roles |= _required_roles(dependency)
    return roles


def describe_role_refusals(document: dict[str, Any], routes: Sequence[Any]) -> None:
    """Name, in each 403 of a route that requires roles, the roles it requires (unless the route
    described its 403 itself)."""
    generic = {DESCRIPTIONS[403], "Not allowed for this caller (problem details)"}
    # Routes of included routers come as contexts (their path with the router's prefix).
    for route in iter_route_contexts(routes):
        original = route.original_route
        if not isinstance(original, APIRoute) or not route.include_in_schema:
            continue
        roles = _required_roles(original.dependant)
        if not roles:
            continue
        for method in route.methods or ():
            operation = document.get("paths", {}).get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            refusal = operation.setdefault("responses", {}).setdefault("403", {})
            if refusal.get("description", DESCRIPTIONS[403]) in generic:
                refusal["description"] = f"Requires the role {' or '.join(sorted(roles))} (problem details)"


def install_complete_openapi(app: FastAPI) -> None:
    """Serve `app`'s OpenAPI document completed with the platform's responses and Problem schema."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            servers=app.servers,
        )
        components = document.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for schema_name in ("HTTPValidationError", "ValidationError"):
            components["schemas"].pop(schema_name, None)
        describe_role_refusals(document, list(app.routes))
        for path_item in document.get("paths", {}).values():
            for method, operation in path_item.items():
                if method in {"get", "put", "post", "patch", "delete", "head", "options"}:
                    complete_operation(operation, method)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
