"""The demo organization's people and programs (pure generation, no platform needed)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from mentorship.demo_population import (
    REGIONS,
    SKILL_POPULARITY,
    demo_people,
    manager_of,
    programs,
    wants_llm_program,
)
from profiles.schemas import PersonCreate, ProgramCreate

PEOPLE = demo_people(seed=7, count=600)


def test_every_demo_person_and_program_is_valid_input_for_the_profiles_api() -> None:
    for person in PEOPLE:
        PersonCreate.model_validate(person.body)
    for body in programs(date(2026, 11, 25)).values():
        ProgramCreate.model_validate(body)


def test_a_larger_demo_extends_a_smaller_one_with_the_same_people() -> None:
    assert [p.body for p in demo_people(seed=7, count=40)] == [p.body for p in PEOPLE[:40]]
    assert demo_people(seed=8, count=40)[5].body != PEOPLE[5].body


def test_people_span_the_five_regions_and_about_a_third_mentor() -> None:
    regions = Counter(person.region for person in PEOPLE)
    assert set(regions) == {region.name for region in REGIONS}
    assert regions["Americas"] > regions["Australia"]
    mentors = sum(person.role == "mentor" for person in PEOPLE)
    assert 0.25 < mentors / len(PEOPLE) < 0.45


def test_skill_popularity_is_skewed_as_in_real_teams() -> None:
    listed = Counter(skill for person in PEOPLE for skill in person.skills)
    assert listed["python"] > 4 * listed["jax"]
    assert set(listed) <= set(SKILL_POPULARITY)


def test_mentors_know_more_than_mentees_and_mentees_have_something_to_learn() -> None:
    for person in PEOPLE:
        levels = [item["level"] for item in person.body["skills"]]
        if person.role == "mentor":
            assert max(levels) >= 4 and person.body["mentor_capacity"] >= 1
        else:
            assert max(levels) <= 3 and person.interests and person.body["goals"]


def test_everyone_but_the_directors_reports_to_a_director() -> None:
    directors = [person for person in PEOPLE if person.director]
    assert len(directors) == 2 + 600 // 40 - 1
    assert len({d.body["department"] for d in directors}) == 8
    for person in PEOPLE:
        manager = manager_of(person, directors)
        assert (manager is None) == person.director
        if manager is not None:
            assert manager.director


def test_the_llm_program_gets_llm_minded_mentors_and_mentees() -> None:
    joining = [person for person in PEOPLE if wants_llm_program(person)]
    assert {person.role for person in joining} == {"mentor", "mentee"}
    for person in joining:
        if person.role == "mentee":
            assert person.interests[0] in {"llms", "nlp", "prompt-engineering", "generative-ai"}
