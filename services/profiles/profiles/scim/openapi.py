"""What the SCIM endpoints say of themselves in the OpenAPI document (RFC 7644).

Bodies, both ways, are `application/scim+json` (requests may also say `application/json`); errors
raised by a SCIM route are SCIM Error messages in the same media type. Errors answered before any
route runs (a write without a token, a body too large, a rate limit) stay RFC 9457 problems: the
platform's completion (shared/openapi.py) documents those next to these.
"""

from __future__ import annotations

from typing import Any

from profiles.scim.errors import SCIM_JSON

RESOURCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A SCIM resource or message (RFC 7643); `schemas` names what it is",
    "required": ["schemas"],
    "properties": {"schemas": {"type": "array", "items": {"type": "string"}}},
}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A SCIM Error (RFC 7644 §3.12)",
    "required": ["schemas", "status"],
    "properties": {
        "schemas": {
            "type": "array",
            "items": {"type": "string", "enum": ["urn:ietf:params:scim:api:messages:2.0:Error"]},
        },
        "status": {"type": "string", "description": "The HTTP status, as a string"},
        "scimType": {"type": "string", "description": "e.g. invalidFilter, invalidValue, uniqueness"},
        "detail": {"type": "string"},
    },
}
_ERRORS = {
    400: "Invalid request (SCIM Error with a `scimType`: invalidSyntax, invalidFilter, invalidValue ...)",
    401: "Missing or invalid token",
    403: "Not allowed: SCIM needs a token with the integration or admin role",
    404: "No such user (another organization's users do not exist here)",
    409: "The userName (or email, external id) is another user's (scimType uniqueness)",
    412: "If-Match names another version of the user",
    415: "The body is neither application/scim+json nor application/json",
    501: "Not implemented",
    503: "The database is unavailable: retry after `Retry-After` seconds",
}
_SCIM_CONTENT = {SCIM_JSON: {"schema": RESOURCE_SCHEMA}}


def scim_responses(
    *errors: int, success: int = 200, description: str = "The SCIM resource"
) -> dict[int, Any]:
    """`responses=` of a SCIM route: its success in application/scim+json and the SCIM errors it
    can give (401, 403 and 503 are added to every route behind a token by `secured_scim_responses`)."""
    responses: dict[int, Any] = {}
    if success != 204:
        responses[success] = {"description": description, "content": _SCIM_CONTENT}
    for status in errors:
        responses[status] = {"description": _ERRORS[status], "content": {SCIM_JSON: {"schema": ERROR_SCHEMA}}}
    return responses


def secured_scim_responses(*errors: int, success: int = 200, description: str = "The SCIM resource") -> Any:
    """`scim_responses` of a route behind the integration's token."""
    return scim_responses(401, 403, 503, *errors, success=success, description=description)


def scim_body(description: str) -> dict[str, Any]:
    """`openapi_extra=` of a SCIM route that reads a body."""
    schema = {**RESOURCE_SCHEMA, "description": description}
    return {
        "requestBody": {
            "required": True,
            "content": {SCIM_JSON: {"schema": schema}, "application/json": {"schema": schema}},
        }
    }


def scim_query(*names: str) -> dict[str, Any]:
    """`openapi_extra=` parameters of the SCIM query (RFC 7644 §3.4.2, §3.9) a route reads."""
    known = {
        "filter": ('A SCIM filter, e.g. `userName eq "ada@example.com"`', {"type": "string"}),
        "startIndex": ("1-based index of the first result", {"type": "integer"}),
        "count": ("Results per page (at most 500)", {"type": "integer"}),
        "attributes": ("Only these attributes (comma-separated)", {"type": "string"}),
        "excludedAttributes": ("Not these attributes (comma-separated)", {"type": "string"}),
    }
    return {
        "parameters": [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": known[name][0],
                "schema": known[name][1],
            }
            for name in names
        ]
    }
