"""SCIM use cases: create, replace, patch and delete users through the profiles use cases.

Each runs in the caller's transaction: the profile change, its event (the same PersonCreated,
PersonUpdated, PersonDeactivated ... as the API's) and the SCIM identity commit together. A
replacement is worked out first (`replacement`, from a read that needs no transaction) and
written only if it changes something (`apply`): an identity provider's full sync sends mostly
users as they are, and those write, lock and publish nothing. A delete deactivates the person
(so matches end and sessions are cancelled downstream) and hides them from SCIM; a later
creation with their external id or userName brings them back (a rehire).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from pydantic import ValidationError
from scim2_models import (
    Context,
    NotFoundException,
    PatchOp,
    PreconditionFailedException,
    UniquenessException,
)
from sqlalchemy import bindparam, func, or_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import service
from profiles.documents import Document
from profiles.schemas import PersonCreate
from profiles.scim import directory
from profiles.scim.changes import Change, change_of
from profiles.scim.directory import IDENTITIES, Entry
from profiles.scim.mapping import (
    Identity,
    derived_attributes,
    field_errors_as_scim,
    provisioning_of,
    user_from_profile,
    user_name_key,
)
from profiles.scim.resources import POLICY, ProvisionedUser
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import etag
from shared.constraints import constraint_name
from shared.errors import Problem
from shared.locks import advisory_lock

T = TypeVar("T")

_USER_NAME_INDEX = "uq_scim_identities_organization_user_name_key"


class ConcurrentChange(Exception):
    """The person changed while the request was applied: run it again on the new state."""


@dataclass(frozen=True, kw_only=True)
class Defaults:
    """What a new person gets when the provider does not say."""

    time_zone: str
    language: str


def representation(entry: Entry, *, base_url: str) -> ProvisionedUser:
    """The SCIM User of a directory entry, located under `base_url` (`.../scim/v2`)."""
    manager_id = entry.person["manager_id"]
    return user_from_profile(
        entry.person,
        entry.identity,
        location=f"{base_url}/Users/{entry.person['id']}",
        manager_location=None if manager_id is None else f"{base_url}/Users/{manager_id}",
    )


def check_if_match(if_match: str | None, version: str | None) -> None:
    """Optional If-Match (RFC 7644 §3.14): a stale version is a 412."""
    if if_match is None or version is None:
        return
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in tags and version.removeprefix("W/") not in tags:
        raise PreconditionFailedException(detail=f"the user has changed; its version is {version}")


async def visible(session: AsyncSession, *, caller: Principal, person_id: uuid.UUID) -> Entry:
    """The person as SCIM sees them; one of another organization, or hidden, is a 404."""
    entry = await directory.find(session, organization=caller.organization, person_id=person_id)
    if entry is None or entry.hidden:
        raise NotFoundException(detail=f"no user {person_id}")
    return entry


async def _use_case(call: Awaitable[T]) -> T:
    """A profiles use case; a version that moved under us is a conflict to retry, not a 412."""
    try:
        return await call
    except Problem as problem:
        if problem.status == 412:
            raise ConcurrentChange from problem
        raise


async def _lock_user_names(session: AsyncSession, *, organization: str) -> None:
    """Serialize userName claims per organization (the identities' unique index alone cannot see
    people whose userName is their email)."""
    await advisory_lock(session, f"profiles.scim.user-names.{organization}")


async def _claim_user_name(
    session: AsyncSession, *, organization: str, key: str, person_id: uuid.UUID | None
) -> None:
    await _lock_user_names(session, organization=organization)
    holder = await directory.holder_of_user_name(session, organization=organization, key=key)
    if holder is not None and holder[0] != person_id:
        raise UniquenessException(
            detail="userName: another user of the organization has it", attribute="userName"
        )


def _identity_upsert(*, hidden: bool) -> Any:
    """The statement writing an identity (hidden from SCIM or not) unless it is stored as it is,
    returning its new `updated_at` when it wrote. Built once: composing it cost more than running it."""
    columns = ("person_id", "organization", "user_name", "user_name_key", "attributes", "deleted_at")
    statement = insert(IDENTITIES).values(
        {name: bindparam(name, type_=IDENTITIES.c[name].type) for name in columns}
        | {
            "revision": 1,
            "created_at": bindparam("now", type_=IDENTITIES.c.created_at.type),
            "updated_at": bindparam("now", type_=IDENTITIES.c.updated_at.type),
        }
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[IDENTITIES.c.person_id],
        set_={
            "user_name": excluded.user_name,
            "user_name_key": excluded.user_name_key,
            "attributes": excluded.attributes,
            # Hidden since the first delete: a repeated delete keeps that time.
            "deleted_at": func.coalesce(IDENTITIES.c.deleted_at, excluded.deleted_at) if hidden else None,
            "revision": IDENTITIES.c.revision + 1,
            "updated_at": excluded.updated_at,
        },
        where=or_(
            IDENTITIES.c.user_name != excluded.user_name,
            IDENTITIES.c.attributes != excluded.attributes,
            IDENTITIES.c.deleted_at.is_(None) if hidden else IDENTITIES.c.deleted_at.is_not(None),
        ),
    ).returning(IDENTITIES.c.updated_at)


_IDENTITY_UPSERTS = {hidden: _identity_upsert(hidden=hidden) for hidden in (False, True)}


async def _save_identity(
    session: AsyncSession,
    *,
    organization: str,
    person_id: uuid.UUID,
    identity: Identity,
    hidden: bool,
) -> datetime | None:
    """Write the identity unless it is stored as it is; when it was written, its new `updated_at`.

    No savepoint around it: a refused userName fails the whole request anyway (and it is claimed
    under a lock first, so the unique index is only the last line of defence)."""
    now = utcnow()
    values = {
        "person_id": person_id,
        "organization": organization,
        "user_name": identity.user_name,
        "user_name_key": user_name_key(identity.user_name),
        "attributes": dict(identity.attributes),
        "deleted_at": now if hidden else None,
        "now": now,
    }
    try:
        written = await session.scalar(_IDENTITY_UPSERTS[hidden], values)
    except IntegrityError as exc:
        if constraint_name(exc) == _USER_NAME_INDEX:
            raise UniquenessException(
                detail="userName: another user of the organization has it", attribute="userName"
            ) from exc
        raise
    return cast(datetime | None, written)


async def apply(session: AsyncSession, *, caller: Principal, change: Change) -> Entry:
    """Write a change (not an empty one) onto its person, in the caller's transaction: profile,
    activity, identity; the entry as it now is.

    The change was worked out from the entry as read, maybe outside this transaction: the person
    is locked and must still be at the version read (else ConcurrentChange: run it again on the
    new state). The identity is written back even when it looked the same, since the person's
    lock is what orders identity writes (which do not move the person's version)."""
    entry = change.entry
    person: Document = entry.person
    person_id: uuid.UUID = person["id"]
    if change.claims_user_name:
        await _claim_user_name(
            session,
            organization=caller.organization,
            key=user_name_key(change.identity.user_name),
            person_id=person_id,
        )
    # The profile's use case locks the person and checks the version read: it runs with no field
    # to change too when nothing else would (only the identity changes), and it refuses any
    # change of an erased person.
    if change.profile.model_fields_set or change.active is None or entry.erased:
        person = await _use_case(
            service.update_person(
                session,
                caller=caller,
                person_id=person_id,
                changes=change.profile,
                if_match=etag(person["version"]),
            )
        )
    if change.active is not None:
        person = await _use_case(
            service.set_person_active(
                session,
                caller=caller,
                person_id=person_id,
                active=change.active,
                if_match=etag(person["version"]),
            )
        )
    written = await _save_identity(
        session,
        organization=caller.organization,
        person_id=person_id,
        identity=change.identity,
        hidden=False,
    )
    kept = entry.identity.updated_at if entry.identity is not None else None
    identity = Identity(
        user_name=change.identity.user_name,
        attributes=change.identity.attributes,
        updated_at=written or kept,
    )
    return Entry(person=person, identity=identity, hidden=False)


async def _reread(session: AsyncSession, *, caller: Principal, person_id: uuid.UUID) -> Entry:
    entry = await directory.find(session, organization=caller.organization, person_id=person_id)
    assert entry is not None  # written in this very transaction
    return entry


async def create_user(
    session: AsyncSession, *, caller: Principal, user: ProvisionedUser, defaults: Defaults
) -> Entry:
    """A new person, or a person deleted earlier coming back (same external id or userName)."""
    organization = caller.organization
    provisioning = provisioning_of(user)
    key = user_name_key(provisioning.identity.user_name)
    await _lock_user_names(session, organization=organization)
    external_id = provisioning.fields["external_id"]
    returning = (
        await directory.hidden_with_external_id(session, organization=organization, external_id=external_id)
        if external_id
        else None
    )
    holder = await directory.holder_of_user_name(session, organization=organization, key=key)
    if returning is None and holder is not None and holder[1]:
        returning = holder[0]
    if returning is not None:
        entry = await _reread(session, caller=caller, person_id=returning)
        provisioning = provisioning_of(user, current_languages=list(entry.person["languages"]))
        return await apply(session, caller=caller, change=change_of(entry, provisioning, revive=True))
    if holder is not None:
        raise UniquenessException(
            detail="userName: another user of the organization has it", attribute="userName"
        )
    try:
        fields = PersonCreate.model_validate(
            {"time_zone": defaults.time_zone, "languages": [defaults.language], **provisioning.fields}
        )
    except ValidationError as exc:
        raise field_errors_as_scim(exc) from None
    person = await service.create_person(session, caller=caller, fields=fields)
    if provisioning.active is False:
        await service.set_person_active(
            session, caller=caller, person_id=person["id"], active=False, if_match=None
        )
    await _save_identity(
        session,
        organization=organization,
        person_id=person["id"],
        identity=provisioning.identity,
        hidden=False,
    )
    return await _reread(session, caller=caller, person_id=person["id"])


def replacement(
    entry: Entry, user: ProvisionedUser, *, if_match: str | None, base_url: str
) -> tuple[Change, ProvisionedUser]:
    """PUT onto a visible entry: what it changes, and the entry's current representation (the
    answer when it changes nothing). The person's own time zone and languages are kept if left
    out."""
    current = representation(entry, base_url=base_url)
    check_if_match(if_match, current.meta.version if current.meta else None)
    user.replace(current)
    provisioning = provisioning_of(user, current_languages=list(entry.person["languages"]))
    return change_of(entry, provisioning), current


async def patch_user(
    session: AsyncSession,
    *,
    caller: Principal,
    person_id: uuid.UUID,
    patch: PatchOp[ProvisionedUser],
    if_match: str | None,
    base_url: str,
) -> Entry:
    """PATCH (RFC 7644 §3.5.2): the operations applied to the current representation."""
    entry = await visible(session, caller=caller, person_id=person_id)
    current = representation(entry, base_url=base_url)
    check_if_match(if_match, current.meta.version if current.meta else None)
    patched = current.model_copy(deep=True)
    if not patch.patch(patched, POLICY):
        return entry
    # Revalidated as a replacement would be: a patch must leave a valid user behind.
    patched = ProvisionedUser.model_validate(
        patched.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST),
        scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST,
        scim_policy=POLICY,
    )
    provisioning = provisioning_of(
        patched,
        current=current,
        derived=derived_attributes(entry.identity),
        current_languages=list(entry.person["languages"]),
    )
    change = change_of(entry, provisioning)
    return entry if change.is_empty else await apply(session, caller=caller, change=change)


async def delete_user(
    session: AsyncSession, *, caller: Principal, person_id: uuid.UUID, if_match: str | None, base_url: str
) -> None:
    """Deactivate the person (PersonDeactivated: downstream ends their matches and sessions) and
    hide them from SCIM. Their profile, history and feedback stay in the platform."""
    entry = await visible(session, caller=caller, person_id=person_id)
    current = representation(entry, base_url=base_url)
    check_if_match(if_match, current.meta.version if current.meta else None)
    await _use_case(
        service.set_person_active(session, caller=caller, person_id=person_id, active=False, if_match=None)
    )
    identity = entry.identity or Identity(user_name=entry.person["email"])
    await _save_identity(
        session, organization=caller.organization, person_id=person_id, identity=identity, hidden=True
    )
