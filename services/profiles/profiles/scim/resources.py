"""The SCIM resources profiles serves, as scim2-models models, and what the service declares.

The User schema publishes only the attributes a profile holds: an attribute we cannot keep
(phone numbers, addresses, photos ...) is not announced, and is ignored when a provider sends it
(identity providers send what their mappings say; refusing it would break provisioning, and
keeping personal data we never use is not ours to do).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from scim2_models import (
    URN,
    AnyExtension,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    ExtensibleStringEnum,
    Extension,
    Filter,
    Pagination,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

from profiles.languages import ISO_639_1
from profiles.schemas import _time_zones

# Page sizes of `GET /Users` (RFC 7644 §3.4.2.4).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


class Name(ComplexAttribute):
    """The components of the person's name; `formatted` is the full name."""

    formatted: str | None = Field(None, description="The full name, formatted for display")
    family_name: str | None = Field(None, description="The family (last) name")
    given_name: str | None = Field(None, description="The given (first) name")


class Email(ComplexAttribute):
    class Type(ExtensibleStringEnum):
        work = "work"
        home = "home"
        other = "other"

    value: Annotated[str | None, Required.true] = Field(
        None, description="An email address; the primary (else the work, else the first) one is the profile's"
    )
    type: Type | None = Field(None, description="work, home or other")
    primary: bool | None = Field(None, description="Whether this is the preferred address")


class User(Resource[AnyExtension]):
    """A person of the organization: a mentor, a mentee, or both."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = Field(
        None, description="Unique in the organization, compared case-insensitively; usually the login email"
    )
    name: Name | None = Field(None, description="The components of the person's name")
    display_name: str | None = Field(
        None, description="The name shown to mentors and mentees (the profile's name)"
    )
    title: str | None = Field(None, description="Job title")
    preferred_language: str | None = Field(
        None,
        description="Languages the person holds sessions in, most preferred first (Accept-Language format)",
        examples=sorted(ISO_639_1),
    )
    timezone: str | None = Field(
        None, description="IANA time zone of the person's availability", examples=sorted(_time_zones())
    )
    active: bool | None = Field(None, description="False once the person left or is paused")
    emails: Annotated[list[Email] | None, Required.true] = Field(
        None, description="Email addresses; the profile keeps one"
    )


class Manager(ComplexAttribute):
    value: Annotated[str | None, CaseExact.true] = Field(None, description="The manager's SCIM id")
    ref: Reference[User] | None = Field(
        None,
        serialization_alias="$ref",
        validation_alias="$ref",
        description="The manager's SCIM location",
    )


class EnterpriseUser(Extension):
    """The person's place in the organization."""

    __schema__ = URN("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")

    department: str | None = Field(None, description="The person's department")
    manager: Manager | None = Field(None, description="The person the person reports to")


ProvisionedUser = User[EnterpriseUser]

# What identity providers send, tolerated where the standard leaves room: attributes we do not keep
# are ignored, Entra's `remove` with a value and `add` to a filtered path that matches nothing work.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_PAGE_SIZE),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="OAuth Bearer Token",
            description="A bearer token of the organization with the integration (or admin) role",
            primary=True,
        )
    ],
    pagination=Pagination(
        cursor=False,
        index=True,
        default_pagination_method=Pagination.DefaultPaginationMethod.index,
        default_page_size=DEFAULT_PAGE_SIZE,
        max_page_size=MAX_PAGE_SIZE,
    ),
)

PROVIDER = ScimProvider(
    models=[User, EnterpriseUser],
    resource_types=[ResourceType.from_resource(ProvisionedUser)],
    config=CONFIG,
    policy=POLICY,
)
