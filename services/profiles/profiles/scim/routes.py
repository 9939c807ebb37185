"""The SCIM 2.0 endpoints (RFC 7644) at `/scim/v2`: Users, and the discovery endpoints.

Users are the organization's people, for a token of the organization with the integration (or
admin) role; another organization's people do not exist here (404). Bodies are
`application/scim+json` (plain `application/json` is accepted too); so are errors.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, cast

import orjson
from fastapi import APIRouter, Header, Request, Response
from pydantic import ValidationError
from scim2_models import (
    ConflictException,
    Context,
    Error,
    InvalidSyntaxException,
    ListResponse,
    Meta,
    NotFoundException,
    NotImplementedException,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    SearchRequest,
)
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import Match

from profiles.config import ProfilesSettings
from profiles.dependencies import PeopleManager, SettingsDep, Writer
from profiles.scim import directory, provisioning
from profiles.scim.changes import Change
from profiles.scim.directory import COLUMNS, Entry
from profiles.scim.errors import SCIM_JSON, ScimResponse, ScimRoute
from profiles.scim.filters import filter_condition
from profiles.scim.openapi import ERROR_SCHEMA, scim_body, scim_query, scim_responses, secured_scim_responses
from profiles.scim.provisioning import ConcurrentChange, Defaults, representation
from profiles.scim.resources import (
    CONFIG,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    POLICY,
    PROVIDER,
    ProvisionedUser,
)
from shared.auth import Principal
from shared.dependencies import Reader, RequestWriter
from shared.openapi import OPTIONAL_PRECONDITION

T = TypeVar("T")
router = APIRouter(
    prefix="/scim/v2", tags=["scim"], route_class=ScimRoute, default_response_class=ScimResponse
)

# Optional in SCIM (RFC 7644 §3.14): without it a change applies to the current version.
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The user's version (`meta.version`); optional, a stale one is a 412",
        json_schema_extra={OPTIONAL_PRECONDITION: True},
    ),
]
# The generic models a request reads and answers with, made once: pydantic keeps its parametrized
# classes only weakly, and building one again (about a millisecond) was a tenth of a PUT's CPU.
_USER_RESPONSE_PARAMETERS = ResponseParameters[ProvisionedUser]
_USER_SEARCH = SearchRequest[ProvisionedUser]
_USER_LIST = ListResponse[ProvisionedUser]
_USER_PATCH = PatchOp[ProvisionedUser]
_USER = "A User (urn:ietf:params:scim:schemas:core:2.0:User, with the enterprise extension)"
_ATTEMPTS = 3


def base_url(request: Request) -> str:
    """Where SCIM resources are, from the configured public URL: never from the request's Host
    header, which any client can set to make `Location` point at a host of its choosing."""
    settings: ProfilesSettings = request.app.state.settings
    return settings.public_base_url.rstrip("/") + router.prefix


def _scim(content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None) -> ScimResponse:
    return ScimResponse(orjson.dumps(content), status_code=status_code, headers=headers)


async def _payload(request: Request) -> Any:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in (SCIM_JSON, "application/json"):
        raise _unsupported_media_type(media_type)
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise InvalidSyntaxException(detail="the body is not JSON") from None


def _parse(model: type[Any], payload: Any, context: Context) -> Any:
    """A SCIM payload read by its scim2-models model; the first problem found is the SCIM error."""
    try:
        return model.model_validate(payload, scim_ctx=context, scim_policy=POLICY)
    except ValidationError as exc:
        raise SCIMException.from_error(Error.from_validation_errors(exc)[0]) from None


def _response_parameters(request: Request) -> ResponseParameters[Any]:
    query = {
        key: request.query_params[key]
        for key in ("attributes", "excludedAttributes")
        if key in request.query_params
    }
    # The type as a string: `ResponseParameters[Any]` evaluated builds a class on every call.
    return cast(
        "ResponseParameters[Any]",
        _parse(_USER_RESPONSE_PARAMETERS, query, Context.RESOURCE_QUERY_REQUEST),
    )


def _user_response(
    request: Request, entry: Entry, *, context: Context, status_code: int = 200
) -> ScimResponse:
    user = representation(entry, base_url=base_url(request))
    return _represented(request, user, context=context, status_code=status_code)


def _represented(
    request: Request, user: ProvisionedUser, *, context: Context, status_code: int = 200
) -> ScimResponse:
    meta = user.meta or Meta()
    headers = {"ETag": meta.version or "", "Location": meta.location or ""}
    body = user.model_dump(scim_ctx=context, response_parameters=_response_parameters(request))
    return _scim(body, status_code=status_code, headers=headers)


def _person_id(user_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(user_id)
    except ValueError:
        raise NotFoundException(detail=f"no user {user_id}") from None


async def _write(writer: RequestWriter, use_case: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run a writing use case in one transaction, again if the person changed meanwhile."""
    for attempt in range(_ATTEMPTS):
        try:
            async with writer.transaction() as session:
                return await use_case(session)
        except ConcurrentChange:
            if attempt == _ATTEMPTS - 1:
                raise ConflictException(detail="the user keeps changing; retry later") from None
    raise AssertionError("unreachable")


async def _provision(
    writer: RequestWriter,
    *,
    caller: Principal,
    plan: Callable[[AsyncSession], Awaitable[tuple[Change, ProvisionedUser]]],
) -> Entry | ProvisionedUser:
    """Work a change out from one read on autocommit, and write it in one transaction, again if the
    person changed meanwhile. A change of nothing (most of an identity provider's full sync) opens
    no transaction, locks and writes nothing, and answers the representation read."""
    for _attempt in range(_ATTEMPTS):
        async with writer.runtime.read_sessions() as db:
            change, current = await plan(db)
        if change.is_empty:
            return current
        try:
            async with writer.transaction() as session:
                return await provisioning.apply(session, caller=caller, change=change)
        except ConcurrentChange:
            continue
    raise ConflictException(detail="the user keeps changing; retry later")


# --- discovery ---------------------------------------------------------------------------------


def _described(resource: Any, request: Request, resource_type: str, path: str) -> Any:
    described = resource.model_copy(deep=True)
    described.meta = Meta(resource_type=resource_type, location=f"{base_url(request)}{path}")
    return described


@router.get(
    "/ServiceProviderConfig",
    summary="What this SCIM service supports",
    responses=scim_responses(description="The ServiceProviderConfig"),
)
async def service_provider_config(request: Request) -> Response:
    config = _described(CONFIG, request, "ServiceProviderConfig", "/ServiceProviderConfig")
    return _scim(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _schemas(request: Request) -> list[Schema]:
    return [_described(schema, request, "Schema", f"/Schemas/{schema.id}") for schema in PROVIDER.schemas]


def _resource_types(request: Request) -> list[ResourceType]:
    return [
        _described(resource_type, request, "ResourceType", f"/ResourceTypes/{resource_type.id}")
        for resource_type in PROVIDER.resource_types
    ]


def _listed(resources: list[Any], model: type[Any]) -> Response:
    listed = ListResponse[model](  # type: ignore[valid-type]
        total_results=len(resources), start_index=1, items_per_page=len(resources), resources=resources
    )
    return _scim(listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


@router.get(
    "/Schemas",
    summary="The schemas of the resources (the attributes we keep)",
    responses=scim_responses(description="A ListResponse of Schemas"),
)
async def list_schemas(request: Request) -> Response:
    return _listed(_schemas(request), Schema)


@router.get(
    "/Schemas/{schema_id}", summary="One schema", responses=scim_responses(404, description="A Schema")
)
async def get_schema(schema_id: str, request: Request) -> Response:
    for schema in _schemas(request):
        if str(schema.id).casefold() == schema_id.casefold():
            return _scim(schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"no schema {schema_id}")


@router.get(
    "/ResourceTypes",
    summary="The resource types served (User)",
    responses=scim_responses(description="A ListResponse of ResourceTypes"),
)
async def list_resource_types(request: Request) -> Response:
    return _listed(_resource_types(request), ResourceType)


@router.get(
    "/ResourceTypes/{resource_type_id}",
    summary="One resource type",
    responses=scim_responses(404, description="A ResourceType"),
)
async def get_resource_type(resource_type_id: str, request: Request) -> Response:
    for resource_type in _resource_types(request):
        if str(resource_type.id).casefold() == resource_type_id.casefold():
            return _scim(resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"no resource type {resource_type_id}")


# --- users -------------------------------------------------------------------------------------


async def _search(request: Request, caller: Principal, db: Any, search: SearchRequest[Any]) -> Response:
    condition = None if search.filter is None else filter_condition(str(search.filter), COLUMNS)
    start_index = search.start_index or 1
    count = DEFAULT_PAGE_SIZE if search.count is None else min(search.count, MAX_PAGE_SIZE)
    total, entries = await directory.search(
        db, organization=caller.organization, condition=condition, start_index=start_index, count=count
    )
    users = [representation(entry, base_url=base_url(request)) for entry in entries]
    listed = _USER_LIST(
        total_results=total, start_index=start_index, items_per_page=len(users), resources=users
    )
    return _scim(listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search))


@router.get(
    "/Users",
    summary="Users, with filter, startIndex and count (RFC 7644 §3.4.2)",
    responses=secured_scim_responses(400, description="A ListResponse of Users"),
    openapi_extra=scim_query("filter", "startIndex", "count", "attributes", "excludedAttributes"),
)
async def list_users(request: Request, caller: PeopleManager, db: Reader) -> Response:
    query = dict(request.query_params)
    search = _parse(_USER_SEARCH, query, Context.SEARCH_REQUEST)
    return await _search(request, caller, db, search)


@router.post(
    "/Users/.search",
    summary="Users, searched with a SearchRequest body",
    responses=secured_scim_responses(400, 415, description="A ListResponse of Users"),
    openapi_extra=scim_body("A SearchRequest (urn:ietf:params:scim:api:messages:2.0:SearchRequest)"),
)
async def search_users(request: Request, caller: PeopleManager, db: Reader) -> Response:
    search = _parse(_USER_SEARCH, await _payload(request), Context.SEARCH_REQUEST)
    return await _search(request, caller, db, search)


@router.post(
    "/.search",
    status_code=501,
    summary="Search across resource types: not supported, always 501 (search /Users/.search instead)",
    response_description="Not implemented: a SCIM Error pointing to /Users/.search",
    responses={
        501: {"content": {SCIM_JSON: {"schema": ERROR_SCHEMA}}},
        **secured_scim_responses(success=204),
    },
)
async def search_everything(caller: PeopleManager) -> Response:
    raise NotImplementedException(detail="search /Users/.search instead")


@router.post(
    "/Users",
    status_code=201,
    summary="Provision a person",
    responses=secured_scim_responses(400, 409, 415, success=201, description="The User created"),
    openapi_extra=scim_body(_USER),
)
async def create_user(
    request: Request, caller: PeopleManager, writer: Writer, settings: SettingsDep
) -> Response:
    user = _parse(ProvisionedUser, await _payload(request), Context.RESOURCE_CREATION_REQUEST)
    defaults = Defaults(time_zone=settings.default_time_zone, language=settings.default_language)
    entry = await _write(
        writer,
        lambda session: provisioning.create_user(session, caller=caller, user=user, defaults=defaults),
    )
    return _user_response(request, entry, context=Context.RESOURCE_CREATION_RESPONSE, status_code=201)


@router.get(
    "/Users/{user_id}",
    summary="One user",
    responses=secured_scim_responses(400, 404, description="The User"),
    openapi_extra=scim_query("attributes", "excludedAttributes"),
)
async def get_user(user_id: str, request: Request, caller: PeopleManager, db: Reader) -> Response:
    entry = await directory.find(db, organization=caller.organization, person_id=_person_id(user_id))
    if entry is None or entry.hidden:
        raise NotFoundException(detail=f"no user {user_id}")
    return _user_response(request, entry, context=Context.RESOURCE_QUERY_RESPONSE)


@router.put(
    "/Users/{user_id}",
    summary="Replace a user",
    responses=secured_scim_responses(400, 404, 409, 412, 415, description="The User replaced"),
    openapi_extra=scim_body(_USER),
)
async def replace_user(
    user_id: str, request: Request, caller: PeopleManager, writer: Writer, if_match: IfMatch = None
) -> Response:
    person_id = _person_id(user_id)
    payload = await _payload(request)
    url = base_url(request)

    async def replacement(db: AsyncSession) -> tuple[Change, ProvisionedUser]:
        entry = await provisioning.visible(db, caller=caller, person_id=person_id)
        # Parsed again on each attempt: replacing fills the parsed user from the current state.
        user = _parse(ProvisionedUser, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
        return provisioning.replacement(entry, user, if_match=if_match, base_url=url)

    replaced = await _provision(writer, caller=caller, plan=replacement)
    context = Context.RESOURCE_REPLACEMENT_RESPONSE
    if isinstance(replaced, Entry):
        return _user_response(request, replaced, context=context)
    return _represented(request, replaced, context=context)


@router.patch(
    "/Users/{user_id}",
    summary="Change a user with PATCH operations",
    responses=secured_scim_responses(400, 404, 409, 412, 415, description="The User changed"),
    openapi_extra=scim_body("A PatchOp (urn:ietf:params:scim:api:messages:2.0:PatchOp)"),
)
async def patch_user(
    user_id: str, request: Request, caller: PeopleManager, writer: Writer, if_match: IfMatch = None
) -> Response:
    person_id = _person_id(user_id)
    patch = _parse(_USER_PATCH, await _payload(request), Context.RESOURCE_PATCH_REQUEST)
    url = base_url(request)
    entry = await _write(
        writer,
        lambda session: provisioning.patch_user(
            session, caller=caller, person_id=person_id, patch=patch, if_match=if_match, base_url=url
        ),
    )
    return _user_response(request, entry, context=Context.RESOURCE_PATCH_RESPONSE)


@router.delete(
    "/Users/{user_id}",
    status_code=204,
    summary="Deprovision: deactivate the person, hide the user",
    responses=secured_scim_responses(404, 412, success=204),
)
async def delete_user(
    user_id: str, request: Request, caller: PeopleManager, writer: Writer, if_match: IfMatch = None
) -> Response:
    person_id = _person_id(user_id)
    url = base_url(request)

    await _write(
        writer,
        lambda session: provisioning.delete_user(
            session, caller=caller, person_id=person_id, if_match=if_match, base_url=url
        ),
    )
    return Response(status_code=204)


# Last: everything else under /scim/v2 is a SCIM 404 (or 405 for a known path).
@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def unknown(request: Request) -> Response:
    allowed: set[str] = set()
    for route in router.routes:
        if route.endpoint is unknown:  # type: ignore[attr-defined]
            continue
        match, _ = route.matches({**request.scope, "method": "__none__"})
        if match is Match.PARTIAL:
            allowed.update(getattr(route, "methods", ()) or ())
    if allowed:
        raise _method_not_allowed(sorted(allowed))
    raise NotFoundException(detail=f"no such endpoint: {request.url.path}")


def _unsupported_media_type(media_type: str) -> SCIMException:
    exception = SCIMException(detail=f"send {SCIM_JSON} (or application/json), not {media_type or 'nothing'}")
    exception.status = 415
    return exception


def _method_not_allowed(allowed: list[str]) -> SCIMException:
    if "GET" in allowed:
        allowed = sorted({*allowed, "HEAD"})
    exception = SCIMException(detail=f"allowed methods: {', '.join(allowed)}")
    exception.status = 405
    # RFC 9110 §15.5.6: a 405 names every method the resource supports.
    exception.headers = {"Allow": ", ".join(allowed)}  # type: ignore[attr-defined]
    return exception
