"""Scores: hard filters, components in [0, 1], rarity, weights, and readable reasons."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.availability import Horizon, WeeklyAvailability
from matching.pool import MenteeBatch, MentorPool, PairRules, Participant
from matching.ranking import explain_pairs, suggest
from matching.scoring import COMPONENTS, Scorer, ScoringPolicy, normalized_weights
from shared.contracts.profiles import DEFAULT_SCORE_WEIGHTS

HORIZON = Horizon.after(dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
MORNINGS = tuple((day, 9 * 60, 12 * 60) for day in range(5))


def someone(
    *, zone: str = "Europe/Berlin", windows: tuple[tuple[int, int, int], ...] = MORNINGS, **fields: object
) -> Participant:
    values: dict[str, object] = {
        "person_id": uuid.uuid4(),
        "time_zone": zone,
        "languages": ("en",),
        "availability": WeeklyAvailability(zone, windows),
        "seniority": "senior",
    }
    values.update(fields)
    return Participant(**values)


def scorer_for(
    mentees: list[Participant],
    mentors: list[Participant],
    *,
    rules: PairRules | None = None,
    policy: ScoringPolicy | None = None,
    open_slots: list[int] | None = None,
) -> Scorer:
    pool = MentorPool.build(
        mentors, horizon=HORIZON, session_minutes=60, managers=rules.managers if rules else None
    )
    batch = MenteeBatch.build(mentees, pool, rules)
    return Scorer(
        pool, batch, policy or ScoringPolicy(), open_slots=np.asarray(open_slots or [1] * len(mentors))
    )


def test_hard_filters_leave_out_unshared_language_no_common_session_reporting_line_and_full_mentors() -> None:
    mentee = someone(interests=(("pytorch", 1, 3),))
    fine = someone(skills=(("pytorch", 5),))
    german = someone(languages=("de",))
    tokyo_evenings = someone(zone="Asia/Tokyo", windows=tuple((d, 21 * 60, 23 * 60) for d in range(5)))
    manager = someone()
    full = someone()
    rules = PairRules(managers={mentee.person_id: manager.person_id})
    scorer = scorer_for(
        [mentee], [fine, german, tokyo_evenings, manager, full], rules=rules, open_slots=[1, 1, 1, 1, 0]
    )

    assert scorer.feasible_block(np.array([0])).tolist() == [[True, False, False, False, False]]
    assert scorer.violations(0, 1) == ["no shared language"]
    assert scorer.violations(0, 2)[0].startswith("a 60-minute session fits in only 0 of the next 4 weeks")
    assert scorer.violations(0, 4) == ["mentor has no open slot"]


def test_a_mentor_in_the_mentees_chain_of_managers_is_excluded_both_ways() -> None:
    director, manager, mentee = someone(), someone(), someone()
    managers = {mentee.person_id: manager.person_id, manager.person_id: director.person_id}
    scorer = scorer_for([mentee, director], [director, manager, mentee], rules=PairRules(managers=managers))
    feasible = scorer.feasible_block(np.array([0, 1]))
    assert feasible[0].tolist() == [False, False, False]  # own managers, and the person themself
    assert feasible[1].tolist() == [False, False, False]  # the director manages both others


def test_same_department_is_excluded_only_when_the_program_says_so() -> None:
    mentee, mentor = someone(department="research"), someone(department="research")
    assert scorer_for([mentee], [mentor]).feasible_block(np.array([0]))[0, 0]
    strict = ScoringPolicy(exclude_same_department=True)
    assert not scorer_for([mentee], [mentor], policy=strict).feasible_block(np.array([0]))[0, 0]


def test_skill_fit_is_full_when_the_mentor_reaches_the_target_and_partial_below() -> None:
    mentee = someone(interests=(("pytorch", 1, 3),))
    expert, intermediate, novice = (someone(skills=(("pytorch", level),)) for level in (5, 2, 1))
    components = scorer_for([mentee], [expert, intermediate, novice]).pair_components(
        np.array([0, 0, 0]), np.array([0, 1, 2])
    )
    skills = components[:, COMPONENTS.index("skills")]
    assert skills.round(4).tolist() == [1.0, 0.5, 0.0]


def test_rare_skills_weigh_more_than_common_ones() -> None:
    mentee = someone(interests=(("python", 1, 3), ("jax", 1, 3)))
    python_mentors = [someone(skills=(("python", 5),)) for _ in range(5)]
    jax_mentor = someone(skills=(("jax", 5),))
    scorer = scorer_for([mentee], [*python_mentors, jax_mentor])
    skills = scorer.pair_components(np.array([0, 0]), np.array([0, 5]))[:, 0]
    assert skills[1] > 0.5 > skills[0]


@settings(max_examples=40, deadline=None)
@given(
    target=st.integers(1, 5),
    current=st.integers(0, 4),
    level=st.integers(0, 5),
    seniority=st.sampled_from(["intern", "junior", "senior", "executive", None]),
    guidance=st.sets(st.sampled_from(["technical", "career", "professional_development"])),
)
def test_every_component_and_the_total_stay_in_zero_to_one(
    target: int, current: int, level: int, seniority: str | None, guidance: set[str]
) -> None:
    mentee = someone(interests=(("nlp", current, target),), seniority=seniority, guidance=frozenset(guidance))
    mentor = someone(skills=(("nlp", level),) if level else (), guidance=frozenset({"career"}))
    scorer = scorer_for([mentee], [mentor])
    components = scorer.pair_components(np.array([0]), np.array([0]))
    assert ((components >= 0) & (components <= 1)).all()
    assert 0 <= scorer.total(components)[0] <= 1


def test_program_weights_override_defaults_and_are_normalized() -> None:
    weights = normalized_weights({"skills": 3.0, "goals": 0.0, "bogus": 9.0})
    assert abs(sum(weights) - 1) < 1e-9
    assert weights[COMPONENTS.index("goals")] == 0
    assert weights[COMPONENTS.index("skills")] == max(weights)


def test_a_program_without_stored_weights_gets_the_shared_defaults() -> None:
    # One definition (shared.contracts.profiles), as profiles stores it on every program it creates;
    # weights are relative: scoring normalizes them to shares.
    total = sum(DEFAULT_SCORE_WEIGHTS.values())
    expected = tuple(DEFAULT_SCORE_WEIGHTS[component] / total for component in COMPONENTS)
    assert normalized_weights(None) == normalized_weights({}) == pytest.approx(expected)
    assert ScoringPolicy().weights == pytest.approx(expected)
    stored = {component.value: weight for component, weight in DEFAULT_SCORE_WEIGHTS.items()}
    assert normalized_weights(stored) == pytest.approx(expected)
    by_name = dict(zip((component.value for component in COMPONENTS), normalized_weights(None), strict=True))
    assert by_name["languages"] == pytest.approx(2 * by_name["specialization"])


def test_a_program_stored_before_the_personality_components_gets_their_defaults() -> None:
    # Its eight stored weights are kept; the components added since get the shared default.
    stored_then = {
        "skills": 0.30,
        "goals": 0.15,
        "guidance": 0.10,
        "availability": 0.15,
        "seniority": 0.10,
        "specialization": 0.05,
        "preferences": 0.05,
        "languages": 0.10,
    }
    by_name = dict(zip((c.value for c in COMPONENTS), normalized_weights(stored_then), strict=True))
    new = (by_name["personality"], by_name["working_style"], by_name["intake"])
    assert new == pytest.approx((0.05 / 1.15,) * 3)
    assert by_name["skills"] == pytest.approx(0.30 / 1.15)


def test_suggestions_are_ranked_and_explained() -> None:
    mentee = someone(
        interests=(("pytorch", 1, 3),),
        seniority="junior",
        text="ship computer vision models to production",
        guidance=frozenset({"career"}),
        specializations=frozenset({"vision"}),
        learning_style="hands_on",
    )
    best = someone(
        skills=(("pytorch", 5),),
        seniority="staff",
        text="I ship computer vision models",
        zone="Europe/Paris",
        guidance=frozenset({"career", "technical"}),
        specializations=frozenset({"vision"}),
        learning_style="hands_on",
    )
    weaker = someone(skills=(("pytorch", 2),), seniority="senior", text="databases")
    scorer = scorer_for([mentee], [weaker, best])

    [first, second] = suggest(scorer, 0, 5)

    assert (first.mentor, second.mentor) == (1, 0) and first.score > second.score
    assert first.reasons[:2] == [
        "mentor is level 5 in pytorch, mentee aims for 3",
        "15 h of weekly overlap, Mon 09:00\u201312:00 Berlin / Mon 09:00\u201312:00 Paris",
    ]
    assert "mentor is staff, mentee junior (3 levels apart)" in first.reasons
    assert any(reason.startswith("similar goals: ") for reason in first.reasons)
    [again] = explain_pairs(scorer, np.array([0]), np.array([1]))
    assert again.breakdown == first.breakdown


def test_text_vectors_of_no_texts_are_an_empty_matrix_not_an_error() -> None:
    from matching.text_similarity import TextModel

    model = TextModel(["pytorch deep networks", "llm evaluation at scale"])
    assert model.vectors([]).shape == (0, model.dimensions)
