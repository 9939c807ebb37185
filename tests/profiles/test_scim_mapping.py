"""The translation between profiles and SCIM Users, and SCIM filters as SQL: pure, no I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scim2_models import InvalidFilterException, InvalidValueException
from sqlalchemy.dialects import postgresql

from profiles.languages import ISO_639_1
from profiles.models import ScimIdentity
from profiles.queries import PEOPLE
from profiles.schemas import _time_zones
from profiles.scim.filters import Columns, filter_condition
from profiles.scim.mapping import (
    DERIVED,
    Identity,
    chosen_email,
    preferred_languages,
    provisioning_of,
    user_from_profile,
    user_name_key,
    version_of,
)
from profiles.scim.resources import Email, ProvisionedUser

names = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Zs")), min_size=1, max_size=40
).filter(lambda name: name.strip() == name and name != "")
optional_text = st.none() | names


@st.composite
def people(draw: st.DrawFn) -> dict[str, Any]:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    return {
        "id": uuid.uuid4(),
        "organization": "org",
        "version": draw(st.integers(1, 50)),
        "external_id": draw(st.none() | st.from_regex(r"[A-Z]{2}-[0-9]{1,6}", fullmatch=True)),
        "email": draw(st.from_regex(r"[a-z]{1,10}\.[a-z]{1,10}@example\.com", fullmatch=True)),
        "name": draw(names),
        "title": draw(optional_text),
        "department": draw(optional_text),
        "manager_id": draw(st.none() | st.uuids()),
        "time_zone": draw(st.sampled_from(sorted(_time_zones()))),
        "languages": draw(st.lists(st.sampled_from(sorted(ISO_639_1)), min_size=1, max_size=4, unique=True)),
        "active": draw(st.booleans()),
        "created_at": stamp,
        "updated_at": stamp,
    }


def represent(person: dict[str, Any], identity: Identity | None = None) -> ProvisionedUser:
    return user_from_profile(
        person,
        identity,
        location=f"https://hr.example/scim/v2/Users/{person['id']}",
        manager_location=None if person["manager_id"] is None else f"https://x/Users/{person['manager_id']}",
    )


@given(people())
def test_a_provider_echoing_what_it_read_changes_nothing_of_the_profile(person: dict[str, Any]) -> None:
    shown = represent(person)
    provisioning = provisioning_of(
        shown.model_copy(deep=True), current=shown, derived=DERIVED, current_languages=person["languages"]
    )
    assert provisioning.fields == {
        "external_id": person["external_id"],
        "email": person["email"],
        "name": person["name"],
        "title": person["title"],
        "department": person["department"],
        "manager_id": person["manager_id"],
    }
    assert provisioning.active == person["active"]
    assert provisioning.identity.user_name == person["email"]


@given(people(), st.sampled_from(sorted(ISO_639_1)))
def test_a_preferred_language_leads_the_languages_and_keeps_the_others(
    person: dict[str, Any], code: str
) -> None:
    user = represent(person)
    user.preferred_language = f"{code}-XX"
    languages = provisioning_of(user, current_languages=person["languages"]).fields["languages"]
    assert languages[0] == code
    assert sorted(languages) == sorted({code, *person["languages"]})


@given(people())
def test_a_provisioned_person_shows_what_the_provider_manages(person: dict[str, Any]) -> None:
    user = represent(person)
    provisioning = provisioning_of(user)  # a creation: every attribute was sent
    identity = Identity(user_name="BJensen", attributes=provisioning.identity.attributes)
    shown = represent(person, identity)
    assert shown.user_name == "BJensen"
    assert shown.display_name == person["name"] and shown.timezone == person["time_zone"]
    assert provisioning_of(shown).fields["name"] == person["name"]


def test_the_version_follows_the_representation_not_its_metadata() -> None:
    person = {
        "id": uuid.uuid4(), "organization": "org", "version": 1, "external_id": None, "email": "a@b.co",
        "name": "Ada", "title": None, "department": None, "manager_id": None, "time_zone": "UTC",
        "languages": ["en"], "active": True, "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
    }  # fmt: skip
    first = represent(person)
    assert version_of(first) == represent({**person, "updated_at": datetime.now(UTC)}).meta.version  # type: ignore[union-attr]
    assert version_of(first) != version_of(represent({**person, "title": "Lead"}))


@pytest.mark.parametrize(
    ("header", "codes"),
    [("en-US", ["en"]), ("fr-CA, fr;q=0.9, en;q=0.8", ["fr", "en"]), ("pt_BR", ["pt"]), ("DE", ["de"])],
)
def test_preferred_language_is_read_as_accept_language(header: str, codes: list[str]) -> None:
    assert preferred_languages(header) == codes


@pytest.mark.parametrize("header", ["klingon", "*", "", "en-US, xx"])
def test_a_preferred_language_without_an_iso_639_1_code_is_refused(header: str) -> None:
    with pytest.raises(ValueError):
        preferred_languages(header)


def test_the_profile_keeps_the_primary_else_the_work_else_the_first_email() -> None:
    home = Email(value="h@x.co", type=Email.Type.home)
    work = Email(value="w@x.co", type=Email.Type.work)
    primary = Email(value="p@x.co", type=Email.Type.other, primary=True)
    assert chosen_email([home, work, primary]) == primary
    assert chosen_email([home, work]) == work
    assert chosen_email([home]) == home
    assert chosen_email([]) is None


def test_user_names_compare_case_insensitively_and_normalized() -> None:
    assert user_name_key("BJensen@Example.COM") == user_name_key("bjensen@example.com")
    assert user_name_key("Åsa") == user_name_key("A\u030asa")  # composed and decomposed Å


def test_a_user_without_an_email_or_with_a_foreign_manager_id_is_refused() -> None:
    user = ProvisionedUser(user_name="ada", emails=[])
    with pytest.raises(InvalidValueException, match="emails"):
        provisioning_of(user)


def _sql(scim_filter: str) -> str:
    condition = filter_condition(scim_filter, Columns(PEOPLE, ScimIdentity.__table__))  # type: ignore[arg-type]
    return str(condition.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_filters_become_conditions_the_unique_indexes_answer() -> None:
    assert _sql('userName eq "BJ@x.com"') == (
        "profiles.scim_identities.user_name_key = 'bj@x.com' OR "
        "profiles.scim_identities.person_id IS NULL AND profiles.people.email = 'bj@x.com'"
    )
    assert "profiles.people.external_id = 'E-1'" in _sql('externalId eq "E-1"')
    assert "profiles.people.email = 'x@y.co'" in _sql('emails[type eq "work" and value eq "X@y.co"]')
    assert _sql('id eq "not-a-uuid"') == "false"


@pytest.mark.parametrize(
    "scim_filter",
    ['nickName eq "x"', 'addresses[type eq "work"]', "userName eq", "title gt 3", 'emails[display eq "x"]'],
)
def test_filters_on_what_we_do_not_keep_are_invalid(scim_filter: str) -> None:
    with pytest.raises(InvalidFilterException):
        _sql(scim_filter)
