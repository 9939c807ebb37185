"""Between a profile and its SCIM User: pure translation, no I/O.

How attributes map (the profile is the source of truth for what it holds):

- `id` is the person id; `externalId` the profile's `external_id`.
- `userName` is what the identity provider provisioned the person under, kept apart from the
  email (Entra sends the UPN, which often differs from the mail address); a person added
  through the API or a bulk import has their email as `userName`.
- `emails`: the profile keeps one address, the primary (else the work, else the first) one.
- `displayName` is the profile's name. When the provider does not send one, the name is
  `name.formatted`, else `name.givenName name.familyName`, else `userName`.
- `title`, enterprise `department`, enterprise `manager.value` (the manager's id) map to the
  profile fields of the same meaning.
- `timezone` is the profile's IANA time zone; `preferredLanguage` (Accept-Language format) puts
  its languages first in the profile's languages. Both are the person's own: left out of a
  replacement or removed, they are kept in the profile (a default applies on creation).
- `active: false` deactivates the person (a reactivation when true).

A person provisioned through SCIM shows the attributes the provider manages; a person added
through the API or an import shows what their profile holds (those are "derived": a PATCH that
leaves them alone does not make the provider their manager).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from scim2_models import Extension, InvalidValueException, Meta, Path, Reference

from profiles.documents import Document
from profiles.languages import is_language_code
from profiles.scim.resources import POLICY, Email, EnterpriseUser, Manager, Name, ProvisionedUser
from shared.text import CONTROL_CHARACTERS

ENTERPRISE = str(EnterpriseUser.__schema__)
CORE_USER = str(ProvisionedUser.__schema__)

# The SCIM attribute that says what each profile field is, for error messages.
SCIM_ATTRIBUTE_OF_FIELD: dict[str, str] = {
    "external_id": "externalId",
    "email": "emails",
    "name": "displayName",
    "title": "title",
    "department": f"{ENTERPRISE}:department",
    "manager_id": f"{ENTERPRISE}:manager",
    "time_zone": "timezone",
    "languages": "preferredLanguage",
}


@dataclass(frozen=True, kw_only=True)
class Identity:
    """What SCIM keeps of a person beyond the profile (see `profiles.models.ScimIdentity`)."""

    user_name: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Provisioning:
    """A SCIM User turned into profile terms: the fields to write, the activity, the identity."""

    fields: dict[str, Any]
    active: bool | None
    identity: Identity


_USER_NAME = Path[ProvisionedUser]("userName").resolve()
# Made once: pydantic keeps parametrized classes only weakly (see routes.py).
_USER_REFERENCE = Reference[ProvisionedUser]


def user_name_key(user_name: str) -> str:
    """How userNames are compared: case-insensitively (RFC 7643 §4.1.1), after NFC normalization."""
    return POLICY.comparison_key(_USER_NAME, user_name)


# --- profile -> SCIM ---------------------------------------------------------------------------


def _full_name(name: Name | None) -> str | None:
    if name is None:
        return None
    if name.formatted and name.formatted.strip():
        return name.formatted.strip()
    parts = [part.strip() for part in (name.given_name, name.family_name) if part and part.strip()]
    return " ".join(parts) or None


def chosen_email(emails: list[Email] | None) -> Email | None:
    """The address a profile keeps: the primary one, else the work one, else the first."""
    candidates = [email for email in emails or [] if email.value]
    for wanted in (
        lambda email: email.primary is True,
        lambda email: email.type == Email.Type.work,
        lambda email: True,
    ):
        for email in candidates:
            if wanted(email):
                return email
    return None


def _stored_emails(identity: Identity | None, email: str) -> list[Email] | None:
    """The provider's own list, while the address the profile keeps is still one of it."""
    if identity is None or not identity.attributes.get("emails"):
        return None
    emails = [Email.model_validate(value) for value in identity.attributes["emails"]]
    kept = chosen_email(emails)
    if kept is None or (kept.value or "").lower() != email:
        return None
    return emails


def preferred_languages(preferred_language: str) -> list[str]:
    """ISO 639-1 codes of an Accept-Language value (`en-US, fr;q=0.8` -> `["en", "fr"]`).

    Raises ValueError naming a language that is not an ISO 639-1 code.
    """
    codes: list[str] = []
    for part in preferred_language.split(","):
        tag = part.split(";")[0].strip()
        if not tag or tag == "*":
            continue
        code = tag.replace("_", "-").split("-")[0].lower()
        if not is_language_code(code):
            raise ValueError(f"{tag!r} is not a language with an ISO 639-1 code")
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValueError("no language given")
    return codes


def _preferred_language(identity: Identity | None, languages: list[str]) -> str:
    stored = identity.attributes.get("preferredLanguage") if identity else None
    if isinstance(stored, str):
        try:
            codes = preferred_languages(stored)
        except ValueError:
            codes = []
        if codes and languages[: len(codes)] == codes:
            return stored
    return languages[0]


def version_of(user: ProvisionedUser) -> str:
    """The weak entity tag of a representation: a digest of everything but `meta`.

    Over pydantic's own JSON of the model (every attribute, in declaration order): a SCIM dump
    says the same at eight times the cost, and every answer about a user computes this."""
    content = BaseModel.model_dump_json(user, exclude={"meta"})
    digest = hashlib.sha256(content.encode()).hexdigest()[:20]
    return f'W/"{digest}"'


def user_from_profile(
    person: Document,
    identity: Identity | None,
    *,
    location: str,
    manager_location: str | None,
) -> ProvisionedUser:
    """The SCIM User of a person (with `meta`, the version included)."""
    managed = identity.attributes if identity else None
    stored_name = managed.get("name") if managed else None
    manager_id = person["manager_id"]
    languages = list(person["languages"])
    if managed is None:
        shown: dict[str, Any] = {
            "display_name": person["name"],
            "name": Name(formatted=person["name"]),
            "preferred_language": languages[0],
            "timezone": person["time_zone"],
        }
    else:
        shown = {
            "display_name": person["name"] if managed.get("displayName") else None,
            "name": Name.model_validate(stored_name) if stored_name else None,
            "preferred_language": (
                _preferred_language(identity, languages) if managed.get("preferredLanguage") else None
            ),
            "timezone": person["time_zone"] if managed.get("timezone") else None,
        }
    modified = person["updated_at"]
    if identity is not None and identity.updated_at is not None:
        modified = max(modified, identity.updated_at)
    # One construction: every attribute assigned afterwards would validate the whole user again.
    user = ProvisionedUser(
        id=str(person["id"]),
        external_id=person["external_id"],
        user_name=identity.user_name if identity else person["email"],
        title=person["title"],
        active=person["active"],
        emails=_stored_emails(identity, person["email"])
        or [Email(value=person["email"], type=Email.Type.work, primary=True)],
        **shown,
        EnterpriseUser=EnterpriseUser(
            department=person["department"],
            manager=None
            if manager_id is None
            else Manager(
                value=str(manager_id),
                ref=_USER_REFERENCE(manager_location) if manager_location else None,
            ),
        ),
        meta=Meta(
            resource_type="User",
            created=person["created_at"],
            last_modified=modified,
            location=location,
        ),
    )
    assert user.meta is not None
    user.meta.version = version_of(user)
    return user


DERIVED = frozenset({"displayName", "name", "preferredLanguage", "timezone"})


def derived_attributes(identity: Identity | None) -> frozenset[str]:
    """The attributes a representation shows that the provider never sent (read from the profile
    of a person provisioned otherwise)."""
    return DERIVED if identity is None else frozenset()


# --- SCIM -> profile ---------------------------------------------------------------------------


def _invalid(attribute: str, message: str) -> InvalidValueException:
    return InvalidValueException(detail=f"{attribute}: {message}", attribute=attribute)


def _manager_id(enterprise: EnterpriseUser | None) -> uuid.UUID | None:
    manager = enterprise.manager if enterprise else None
    if manager is None or not manager.value:
        return None
    try:
        return uuid.UUID(manager.value)
    except ValueError:
        raise _invalid(f"{ENTERPRISE}:manager.value", "not the id of a user") from None


def _attributes_with_control_characters(value: Any, path: str = "", separator: str = ".") -> list[str]:
    """The SCIM attributes (as paths) of a parsed resource holding a control character; the
    resource holds only the attributes we keep."""
    if isinstance(value, str):
        return [path] if CONTROL_CHARACTERS.search(value) else []
    if isinstance(value, list):
        return [
            found for item in value for found in _attributes_with_control_characters(item, path, separator)
        ]
    if isinstance(value, BaseModel):
        found = []
        for name, info in type(value).model_fields.items():
            if name == "schemas":
                continue
            child = getattr(value, name, None)
            if isinstance(child, Extension):  # its attributes are `<schema URN>:<name>`
                found += _attributes_with_control_characters(child, str(child.__schema__), ":")
                continue
            attribute = info.serialization_alias or info.alias or name
            inner = f"{path}{separator}{attribute}" if path else attribute
            found += _attributes_with_control_characters(child, inner)
        return found
    return []


def refuse_control_characters(user: ProvisionedUser) -> None:
    """Every string we keep is one line of printable text: a NUL byte is an invalidValue naming
    the attribute (shared/text.py says the same of the API's fields), never a database error."""
    found = _attributes_with_control_characters(user)
    if found:
        raise _invalid(found[0], "must not contain control characters (such as NUL)")


def provisioning_of(
    user: ProvisionedUser,
    *,
    current: ProvisionedUser | None = None,
    derived: frozenset[str] = frozenset(),
    current_languages: list[str] | None = None,
) -> Provisioning:
    """The profile fields a SCIM User sets (all of them: a creation or a replacement).

    `current` is the representation a PATCH started from, whose `derived` attributes count as
    sent only if the PATCH changed them. Raises InvalidValueException for a value the profile
    cannot hold; the fields themselves are validated by the profile's schemas.
    """
    refuse_control_characters(user)
    sent = {
        "displayName": user.display_name,
        "name": user.name,
        "preferredLanguage": user.preferred_language,
        "timezone": user.timezone,
    }
    # The name a profile keeps when the provider sends none of its own (read from the profile).
    kept_name = current.display_name if current is not None and "displayName" in derived else None
    if current is not None:
        shown = {
            "displayName": current.display_name,
            "name": current.name,
            "preferredLanguage": current.preferred_language,
            "timezone": current.timezone,
        }
        for attribute in derived:
            if sent[attribute] == shown[attribute]:
                sent[attribute] = None
    if not user.user_name or not user.user_name.strip():
        raise _invalid("userName", "a userName is required")
    display_name = str(sent["displayName"]).strip() if sent["displayName"] else None
    name = sent["name"] if isinstance(sent["name"], Name) and _full_name(sent["name"]) else None
    email = chosen_email(user.emails)
    if email is None or not email.value:
        raise _invalid("emails", "an email address is required")
    enterprise = user[EnterpriseUser]
    fields: dict[str, Any] = {
        "external_id": user.external_id,
        "email": email.value,
        "name": display_name or _full_name(name) or kept_name or user.user_name.strip(),
        "title": user.title,
        "department": enterprise.department if enterprise else None,
        "manager_id": _manager_id(enterprise),
    }
    attributes: dict[str, Any] = {
        "emails": [value.model_dump(mode="json", exclude_none=True) for value in user.emails or []],
        # The address the profile keeps and its type, for filters on `emails.type`.
        "email": email.value.strip().lower(),
        "emailType": email.type.value if email.type else "work",
    }
    if display_name:
        attributes["displayName"] = display_name
    if name is not None:
        attributes["name"] = name.model_dump(mode="json", exclude_none=True, by_alias=True)
    if sent["timezone"]:
        fields["time_zone"] = sent["timezone"]
        attributes["timezone"] = sent["timezone"]
    preferred_language = sent["preferredLanguage"]
    if isinstance(preferred_language, str) and preferred_language.strip():
        try:
            preferred = preferred_languages(preferred_language)
        except ValueError as exc:
            raise _invalid("preferredLanguage", str(exc)) from None
        fields["languages"] = preferred + [code for code in current_languages or [] if code not in preferred]
        attributes["preferredLanguage"] = preferred_language.strip()
    return Provisioning(
        fields=fields,
        active=user.active,
        identity=Identity(user_name=user.user_name.strip(), attributes=attributes),
    )


def field_errors_as_scim(error: ValidationError) -> InvalidValueException:
    """A profile validation error, told in SCIM attribute names."""
    messages = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        attribute = SCIM_ATTRIBUTE_OF_FIELD.get(location[0], location[0]) if location else "value"
        messages.append(f"{attribute}: {item.get('msg', 'invalid')}")
    return InvalidValueException(detail="; ".join(messages))
