"""What a provisioned state changes on a person as SCIM sees them: pure comparison, no I/O.

An identity provider's full sync sends every user, most of them as they already are. Knowing
from one read that nothing differs lets such a request answer without a transaction, a lock, a
version, an event or an audit entry; and a change names only the profile fields that differ,
so that an unchanged manager does not take the organization's reporting-line lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from profiles.schemas import PersonUpdate
from profiles.scim.directory import Entry
from profiles.scim.mapping import Identity, Provisioning, field_errors_as_scim, user_name_key

# Profile fields that hold ids (stored as UUIDs, dumped as strings).
_ID_FIELDS = frozenset({"manager_id"})


@dataclass(frozen=True, kw_only=True)
class Change:
    """A provisioned state against an entry: what differs (nothing, for an identical one)."""

    entry: Entry
    # Only the profile fields whose values differ (every field sent was validated).
    profile: PersonUpdate
    # The activity to set, None when it stays.
    active: bool | None
    # The identity the provider manages; `identity_differs` says whether it must be written.
    identity: Identity
    identity_differs: bool
    # Whether the userName's compared key differs, so the new one must be claimed first.
    claims_user_name: bool

    @property
    def is_empty(self) -> bool:
        # An erased person's change is refused by the profile's use cases (409), however small.
        return (
            not self.entry.erased
            and not self.profile.model_fields_set
            and self.active is None
            and not self.identity_differs
        )


def _validated(fields: dict[str, Any]) -> PersonUpdate:
    try:
        return PersonUpdate.model_validate(fields)
    except ValidationError as exc:
        raise field_errors_as_scim(exc) from None


def _stored_value(name: str, value: Any) -> Any:
    """A dumped field value as its column holds it (see `profiles.service.people._person_values`)."""
    return uuid.UUID(value) if name in _ID_FIELDS and value is not None else value


def change_of(entry: Entry, provisioning: Provisioning, *, revive: bool = False) -> Change:
    """What writing `provisioning` onto the entry's person changes. Every profile field is validated
    (a value the profile cannot hold is an invalidValue whether it changed or not); `revive`
    reactivates a person the provider left `active` out for (a rehire)."""
    person = entry.person
    wanted = _validated(provisioning.fields)
    dumped = wanted.model_dump(mode="json", include=wanted.model_fields_set)
    differing = {name for name, value in dumped.items() if person[name] != _stored_value(name, value)}
    profile = (
        _validated({name: provisioning.fields[name] for name in differing}) if differing else PersonUpdate()
    )
    active = provisioning.active if provisioning.active is not None else (True if revive else None)
    identity = entry.identity
    current_key = user_name_key(identity.user_name) if identity else person["email"]
    return Change(
        entry=entry,
        profile=profile,
        active=active if active is not None and active != person["active"] else None,
        identity=provisioning.identity,
        identity_differs=(
            identity is None
            or entry.hidden
            or identity.user_name != provisioning.identity.user_name
            or dict(identity.attributes) != dict(provisioning.identity.attributes)
        ),
        claims_user_name=user_name_key(provisioning.identity.user_name) != current_key,
    )
