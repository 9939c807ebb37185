"""Pure rules of the profiles service: taxonomy, availability windows, lifecycles, access."""

from __future__ import annotations

import uuid

import pytest

from profiles import access
from profiles.access import Visibility
from profiles.availability import overlaps
from profiles.languages import ISO_639_1
from profiles.lifecycle import (
    enrollment_transition_allowed,
    program_transition_allowed,
    self_service_transition,
)
from profiles.taxonomy import DEFAULT_SKILL_SLUGS, DEFAULT_SKILLS, is_slug, unknown_skills
from shared.auth import Principal, Role
from shared.contracts.profiles import EnrollmentStatus as E
from shared.contracts.profiles import ProgramStatus as P


def caller(*roles: Role, subject: str | None = None) -> Principal:
    return Principal(subject=subject or str(uuid.uuid4()), organization="org", roles=frozenset(roles))


def test_the_default_taxonomy_covers_the_ai_field_with_unique_valid_slugs() -> None:
    assert len(DEFAULT_SKILLS) >= 25
    assert len(DEFAULT_SKILL_SLUGS) == len(DEFAULT_SKILLS)
    assert all(is_slug(skill.slug) and skill.label for skill in DEFAULT_SKILLS)
    assert {
        "python", "pytorch", "tensorflow", "jax", "nlp", "computer-vision", "mlops", "reinforcement-learning",
        "explainable-ai", "ai-ethics", "data-engineering", "llms", "prompt-engineering", "statistics",
        "deep-learning", "recommender-systems", "speech", "generative-ai", "ml-infrastructure",
        "data-visualization",
    } <= DEFAULT_SKILL_SLUGS  # fmt: skip


def test_skills_outside_the_taxonomy_and_the_organizations_own_are_unknown() -> None:
    assert unknown_skills({"python", "rag", "astrology"}, {"rag"}) == {"astrology"}


@pytest.mark.parametrize("slug", ["Python", "-x", "x-", "a--b", "a_b", "", "x" * 65])
def test_malformed_slugs(slug: str) -> None:
    assert not is_slug(slug)


def test_languages_are_the_iso_639_1_codes() -> None:
    assert len(ISO_639_1) >= 183 and {"en", "fr", "zh", "hi", "sw"} <= ISO_639_1 and "xx" not in ISO_639_1


def test_touching_windows_do_not_overlap_but_intersecting_ones_do() -> None:
    assert not overlaps([(540, 600), (600, 660)])
    assert overlaps([(600, 700), (540, 601)])
    assert not overlaps([])


def test_programs_move_forward_only() -> None:
    assert program_transition_allowed(P.DRAFT, P.ACTIVE) and program_transition_allowed(P.ACTIVE, P.CLOSED)
    assert not program_transition_allowed(P.CLOSED, P.ACTIVE) and not program_transition_allowed(
        P.ACTIVE, P.DRAFT
    )


def test_enrollment_lifecycle_and_self_service() -> None:
    assert enrollment_transition_allowed(E.PENDING, E.ACTIVE)
    assert not enrollment_transition_allowed(E.COMPLETED, E.ACTIVE)
    assert not enrollment_transition_allowed(E.ACTIVE, E.PENDING)
    assert self_service_transition(E.ACTIVE, E.WITHDRAWN) and self_service_transition(E.WITHDRAWN, E.PENDING)
    assert not self_service_transition(E.PENDING, E.ACTIVE) and not self_service_transition(
        E.ACTIVE, E.COMPLETED
    )


def test_who_sees_how_much_of_a_person() -> None:
    person_id = uuid.uuid4()
    see = access.person_visibility
    assert see(caller(Role.ADMIN), person_id=person_id, active=False, shares_program=False) is Visibility.FULL
    assert see(caller(Role.INTEGRATION, subject="hr"), person_id=person_id, active=True, shares_program=False)
    assert see(caller(subject=str(person_id)), person_id=person_id, active=False, shares_program=False) is (
        Visibility.FULL
    )
    assert (
        see(caller(Role.MENTEE), person_id=person_id, active=True, shares_program=True) is Visibility.PUBLIC
    )
    assert see(caller(Role.MENTEE), person_id=person_id, active=False, shares_program=True) is None
    assert see(caller(Role.MENTOR), person_id=person_id, active=True, shares_program=False) is None


def test_a_person_may_not_change_admin_only_fields() -> None:
    fields = {"bio", "email", "manager_id"}
    assert access.fields_reserved_for_admins(caller(Role.MENTEE), fields) == ["email", "manager_id"]
    assert access.fields_reserved_for_admins(caller(Role.ADMIN), fields) == []
    assert access.fields_reserved_for_admins(caller(Role.INTEGRATION), fields) == []
