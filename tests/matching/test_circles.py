"""Forming circles (pure): every member fits the circle's topic, language and weekly time; sizes,
facilitators and capacity hold; the plan never beats its bound; every member is explained."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import synthetic
from matching.availability import Horizon, WeeklyAvailability, free_slots
from matching.circles import CirclePlan, CircleRules, plan_circles
from matching.pool import Participant

HORIZON = Horizon.after(dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
MORNINGS = tuple((day, 9 * 60, 12 * 60) for day in range(5))


def someone(
    *,
    zone: str = "Europe/Berlin",
    languages: tuple[str, ...] = ("en",),
    windows: tuple[tuple[int, int, int], ...] = MORNINGS,
    skills: tuple[tuple[str, int], ...] = (),
    interests: tuple[tuple[str, int | None, int], ...] = (),
    text: str = "",
    name: str = "",
) -> Participant:
    return Participant(
        person_id=uuid.uuid4(),
        name=name,
        time_zone=zone,
        languages=languages,
        availability=WeeklyAvailability(zone, windows),
        skills=skills,
        interests=interests,
        text=text,
    )


def check_invariants(
    plan: CirclePlan,
    mentees: list[Participant],
    facilitators: list[Participant],
    capacity: list[int],
    rules: CircleRules,
) -> None:
    by_id = {person.person_id: person for person in [*mentees, *facilitators]}
    led: Counter[uuid.UUID] = Counter()
    seen: set[uuid.UUID] = set()
    for circle in plan.circles:
        assert rules.min_size <= len(circle.members) <= rules.max_size
        assert len(circle.facilitators) == rules.facilitators
        start = HORIZON.start + dt.timedelta(days=circle.weekday, hours=int(circle.start[:2]))
        first_slot = int((start - HORIZON.start).total_seconds() // 900)
        session_slots = rules.session_minutes // 15
        for member in [*circle.facilitators, *circle.members]:
            person = by_id[member.person_id]
            assert circle.language in person.languages
            free = free_slots(person.availability, HORIZON).reshape(HORIZON.weeks, -1)
            weeks_free = sum(
                bool(free[week, first_slot : first_slot + session_slots].all())
                for week in range(HORIZON.weeks)
            )
            assert weeks_free >= min(rules.min_weeks, HORIZON.weeks), "every member attends the weekly time"
            assert member.reasons
        for member in circle.members:
            assert member.person_id not in seen
            seen.add(member.person_id)
            assert circle.topic in {skill for skill, _, _ in by_id[member.person_id].interests}
            assert 0 <= member.score <= 1
        for facilitator in circle.facilitators:
            levels = dict(by_id[facilitator.person_id].skills)
            assert levels.get(circle.topic, 0) >= rules.min_facilitator_level
            led[facilitator.person_id] += 1
    for row, person in enumerate(facilitators):
        assert led[person.person_id] <= capacity[row]
    stats = plan.stats
    assert stats["placed"] + stats["unplaced"] == len(mentees) == stats["placed"] + len(plan.unplaced)
    assert stats["objective"] <= stats["bound"] + 1e-6
    assert 0.0 <= stats["gap_pct"] <= 100.0


def test_mentees_gather_around_the_topic_and_time_their_facilitator_offers() -> None:
    lead = someone(
        name="Ada", skills=(("llm-evaluation", 5), ("python", 4)), text="evaluation of language models"
    )
    fans = [
        someone(interests=(("llm-evaluation", 1, 3),), text="evaluate language models in production")
        for _ in range(5)
    ]
    night_owl = someone(
        zone="Asia/Tokyo",
        windows=tuple((day, 22 * 60, 23 * 60) for day in range(5)),
        interests=fans[0].interests,
    )
    no_topic = someone(interests=(("rust", 1, 3),))
    rules = CircleRules(min_size=3, max_size=6)
    plan = plan_circles(
        [*fans, night_owl, no_topic], [lead], capacity=np.asarray([1]), rules=rules, horizon=HORIZON
    )

    [circle] = plan.circles
    assert circle.topic == "llm-evaluation" and circle.language == "en"
    assert {member.person_id for member in circle.members} == {fan.person_id for fan in fans}
    assert circle.facilitators[0].person_id == lead.person_id
    reasons = " | ".join(circle.members[0].reasons)
    assert "wants to learn llm evaluation, the circle's topic" in reasons and "Ada is level 5" in reasons
    assert "when the circle meets" in reasons and "Berlin" in reasons
    assert "goals in common with the circle" in reasons
    unplaced = dict(plan.unplaced)
    assert set(unplaced) == {night_owl.person_id, no_topic.person_id}
    assert unplaced[no_topic.person_id].startswith("no circle")
    check_invariants(plan, [*fans, night_owl, no_topic], [lead], [1], rules)


def test_a_circle_too_small_is_not_formed() -> None:
    lead = someone(skills=(("nlp", 5),))
    mentees = [someone(interests=(("nlp", 1, 3),)) for _ in range(2)]
    rules = CircleRules(min_size=3)
    plan = plan_circles(mentees, [lead], capacity=np.asarray([2]), rules=rules, horizon=HORIZON)
    assert plan.circles == [] and len(plan.unplaced) == 2


def test_circles_with_two_facilitators_share_topic_language_and_time() -> None:
    leads = [someone(skills=(("pytorch", level),)) for level in (5, 4, 3)]
    mentees = [someone(interests=(("pytorch", 1, 3),)) for _ in range(8)]
    rules = CircleRules(min_size=3, max_size=4, facilitators=2)
    plan = plan_circles(mentees, leads, capacity=np.asarray([1, 1, 1]), rules=rules, horizon=HORIZON)
    # Three facilitators with one circle each make one team of two: the third has no partner left.
    assert len(plan.circles) == 1 and len(plan.circles[0].facilitators) == 2
    check_invariants(plan, mentees, leads, [1, 1, 1], rules)


def test_facilitator_capacity_limits_the_circles_they_lead() -> None:
    lead = someone(skills=(("mlops", 5),))
    mentees = [someone(interests=(("mlops", 1, 3),)) for _ in range(12)]
    rules = CircleRules(min_size=3, max_size=4)
    plan = plan_circles(mentees, [lead], capacity=np.asarray([2]), rules=rules, horizon=HORIZON)
    assert len(plan.circles) == 2 and plan.stats["placed"] == 8 and plan.stats["seats"] == 8
    check_invariants(plan, mentees, [lead], [2], rules)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    size=st.tuples(st.integers(2, 5), st.integers(0, 3)),
    facilitators=st.integers(1, 2),
)
def test_plans_of_random_organizations_keep_every_rule(
    seed: int, size: tuple[int, int], facilitators: int
) -> None:
    org = synthetic.organization(120, 16, capacity=2, seed=seed)
    rules = CircleRules(min_size=size[0], max_size=size[0] + size[1], facilitators=facilitators)
    plan = plan_circles(org.mentees, org.mentors, capacity=org.capacity, rules=rules, horizon=HORIZON)
    check_invariants(plan, org.mentees, org.mentors, list(org.capacity), rules)


def test_rules_refuse_impossible_shapes() -> None:
    with pytest.raises(ValueError):
        CircleRules(min_size=5, max_size=4)
    with pytest.raises(ValueError):
        CircleRules(facilitators=0)
