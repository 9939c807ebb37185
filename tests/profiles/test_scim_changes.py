"""What a provisioned state changes on a person as SCIM sees them: pure, no I/O."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given

from profiles.scim.changes import Change, change_of
from profiles.scim.directory import Entry
from profiles.scim.mapping import provisioning_of
from profiles.scim.resources import ProvisionedUser
from tests.profiles.test_scim_mapping import people, represent


def provisioned(person: dict[str, Any]) -> Entry:
    """The person as an identity provider provisioned them (every attribute sent)."""
    identity = provisioning_of(represent(person)).identity
    return Entry(person=person, identity=identity, hidden=False)


def put(entry: Entry, user: ProvisionedUser) -> Change:
    """What a PUT of `user` changes (as provisioning.replacement works it out)."""
    user.replace(represent(entry.person, entry.identity))
    return change_of(entry, provisioning_of(user, current_languages=list(entry.person["languages"])))


@given(people())
def test_a_put_of_the_user_as_shown_changes_nothing(person: dict[str, Any]) -> None:
    entry = provisioned(person)
    change = put(entry, represent(person, entry.identity))
    assert change.is_empty
    assert not change.claims_user_name


@given(people())
def test_a_changed_title_changes_the_title_alone(person: dict[str, Any]) -> None:
    entry = provisioned(person)
    user = represent(person, entry.identity)
    user.title = f"{person['title'] or 'Engineer'} II"
    change = put(entry, user)
    assert change.profile.model_fields_set == {"title"}  # an unchanged manager is not re-set
    assert change.active is None and not change.identity_differs and not change.is_empty


@given(people())
def test_what_scim_alone_keeps_changes_the_identity_alone(person: dict[str, Any]) -> None:
    entry = provisioned(person)
    user = represent(person, entry.identity)
    user.user_name = (user.user_name or "").upper()  # compared case-insensitively: no new claim
    change = put(entry, user)
    assert change.identity_differs and not change.claims_user_name
    assert not change.profile.model_fields_set and change.active is None


@given(people())
def test_only_a_different_activity_is_a_change(person: dict[str, Any]) -> None:
    entry = provisioned(person)
    user = represent(person, entry.identity)
    user.active = not person["active"]
    assert put(entry, user).active is (not person["active"])
    assert change_of(entry, provisioning_of(represent(person, entry.identity))).active is None


@given(people())
def test_a_person_added_elsewhere_or_erased_is_never_unchanged(person: dict[str, Any]) -> None:
    entry = provisioned(person)
    user = represent(person, entry.identity)
    assert not put(replace(entry, erased=True), user.model_copy(deep=True)).is_empty
    assert put(replace(entry, identity=None), user).identity_differs
