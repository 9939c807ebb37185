"""Personality, working style, intake criteria and self-identified preferences in scores: hand-computed
cases, the program's similarity or complementarity per trait, neutral for people who did not answer
(never a disadvantage), readable reasons, and the must-match filter."""

from __future__ import annotations

import numpy as np
import pytest

from matching.fit import WorkingStyleFacts, rescaled_traits
from matching.intake import Criterion
from matching.pool import MenteeBatch, MentorPool, PairRules, Participant
from matching.ranking import explain_pairs
from matching.scoring import COMPONENTS, Scorer, ScoringPolicy, normalized_weights, personality_fit_of
from shared.contracts.profiles import IntakeCriterionKind, TraitFit
from tests.matching.test_scoring import HORIZON, someone

PERSONALITY = COMPONENTS.index("personality")
WORKING_STYLE = COMPONENTS.index("working_style")
INTAKE = COMPONENTS.index("intake")
PREFERENCES = COMPONENTS.index("preferences")


def traits(e: float, a: float, c: float, n: float, i: float) -> tuple[float, ...] | None:
    """Mini-IPIP trait scores (1 to 5), as participants carry them (rescaled)."""
    return rescaled_traits(
        {"extraversion": e, "agreeableness": a, "conscientiousness": c, "neuroticism": n, "intellect": i}
    )


def scorer_for(
    mentees: list[Participant],
    mentors: list[Participant],
    *,
    policy: ScoringPolicy | None = None,
    criteria: tuple[Criterion, ...] = (),
) -> Scorer:
    pool = MentorPool.build(mentors, horizon=HORIZON, session_minutes=60, criteria=criteria)
    batch = MenteeBatch.build(mentees, pool, PairRules())
    return Scorer(pool, batch, policy or ScoringPolicy(), open_slots=np.ones(len(mentors), dtype=np.int32))


def components_of(scorer: Scorer, pairs: list[tuple[int, int]]) -> np.ndarray:
    return scorer.pair_components(np.array([m for m, _ in pairs]), np.array([p for _, p in pairs]))


# -- personality ---------------------------------------------------------------------------------


def test_similar_personalities_fit_by_one_minus_the_mean_rescaled_difference() -> None:
    # Rescaled: mentee (0.5, 0.75, 0.25, 0.0, 1.0), mentor (0.75, 0.75, 1.0, 0.5, 0.5);
    # differences 0.25, 0, 0.75, 0.5, 0.5 -> similarity 1 - 2.0 / 5 = 0.6.
    mentee = someone(traits=traits(3, 4, 2, 1, 5))
    mentor = someone(traits=traits(4, 4, 5, 3, 3))
    assert components_of(scorer_for([mentee], [mentor]), [(0, 0)])[0, PERSONALITY] == pytest.approx(0.6)


def test_the_program_chooses_complementarity_or_ignores_a_trait() -> None:
    mentee = someone(traits=traits(3, 4, 2, 1, 5))
    mentor = someone(traits=traits(4, 4, 5, 3, 3))
    # Conscientiousness complementary (0.75), neuroticism ignored; the others similar:
    # (0.75 + 1.0 + 0.75 + 0.5) / 4 = 0.75.
    fit = personality_fit_of({"conscientiousness": "complementary", "neuroticism": "ignored"})
    assert fit == (
        TraitFit.SIMILAR,
        TraitFit.SIMILAR,
        TraitFit.COMPLEMENTARY,
        TraitFit.IGNORED,
        TraitFit.SIMILAR,
    )
    scorer = scorer_for([mentee], [mentor], policy=ScoringPolicy(personality_fit=fit))
    assert components_of(scorer, [(0, 0)])[0, PERSONALITY] == pytest.approx(0.75)
    # Intellect (0.5 apart) fits too little to be named; the ignored trait is never named.
    [pair] = explain_pairs(scorer, np.array([0]), np.array([0]))
    assert (
        "personalities fit: similar in extraversion and agreeableness; complementary in conscientiousness"
        in pair.reasons
    )
    everything_ignored = ScoringPolicy(personality_fit=(TraitFit.IGNORED,) * 5)
    assert (
        components_of(scorer_for([mentee], [mentor], policy=everything_ignored), [(0, 0)])[0, PERSONALITY]
        == 0.5
    )


def test_identical_and_opposite_personalities_score_the_extremes() -> None:
    calm = someone(traits=traits(1, 1, 1, 1, 1))
    twin = someone(traits=traits(1, 1, 1, 1, 1))
    opposite = someone(traits=traits(5, 5, 5, 5, 5))
    similar = components_of(scorer_for([calm], [twin, opposite]), [(0, 0), (0, 1)])[:, PERSONALITY]
    assert similar.tolist() == [1.0, 0.0]
    complementary = ScoringPolicy(personality_fit=(TraitFit.COMPLEMENTARY,) * 5)
    scores = components_of(scorer_for([calm], [twin, opposite], policy=complementary), [(0, 0), (0, 1)])
    assert scores[:, PERSONALITY].tolist() == [0.0, 1.0]


# -- working style -------------------------------------------------------------------------------


def test_working_style_fit_averages_the_parts_both_answered() -> None:
    mentee = someone(
        working_style=WorkingStyleFacts(
            communication=frozenset({"async_written", "chat"}),
            meeting_rhythm="weekly",
            feedback_directness=5,
            structure=1,
            challenge=4,
        )
    )
    mentor = someone(
        working_style=WorkingStyleFacts(
            communication=frozenset({"async_written"}),
            meeting_rhythm="monthly",
            feedback_directness=4,
            structure=3,
            challenge=None,
        )
    )
    # communication 1 (async written in common), rhythm 0 (two steps apart), directness
    # 1 - 1/4 = 0.75, structure 1 - 2/4 = 0.5, challenge not compared: 2.25 / 4 = 0.5625.
    assert components_of(scorer_for([mentee], [mentor]), [(0, 0)])[0, WORKING_STYLE] == pytest.approx(0.5625)


def test_nothing_in_common_to_compare_is_neutral() -> None:
    mentee = someone(working_style=WorkingStyleFacts(meeting_rhythm="weekly"))
    mentor = someone(working_style=WorkingStyleFacts(feedback_directness=3))
    assert components_of(scorer_for([mentee], [mentor]), [(0, 0)])[0, WORKING_STYLE] == 0.5


def test_reasons_say_what_fits_in_words() -> None:
    mentee = someone(
        interests=(("pytorch", 1, 3),),
        traits=traits(4, 4, 3, 2, 4),
        working_style=WorkingStyleFacts(
            communication=frozenset({"async_written"}), meeting_rhythm="biweekly", feedback_directness=5
        ),
    )
    mentor = someone(
        skills=(("pytorch", 5),),
        traits=traits(4, 4, 3, 2, 5),
        working_style=WorkingStyleFacts(
            communication=frozenset({"async_written", "video"}),
            meeting_rhythm="biweekly",
            feedback_directness=4,
        ),
    )
    weights = normalized_weights({"personality": 0.5, "working_style": 0.5})
    scorer = scorer_for([mentee], [mentor], policy=ScoringPolicy(weights=weights))
    [pair] = explain_pairs(scorer, np.array([0]), np.array([0]))
    assert "both prefer written async updates" in pair.reasons
    assert "mentor is direct, mentee asked for direct feedback" in pair.reasons
    assert "both want to meet every two weeks" in pair.reasons
    assert (
        "personalities fit: similar in extraversion, agreeableness, conscientiousness, neuroticism "
        "and intellect" in pair.reasons
    )
    assert pair.breakdown["personality"] == pytest.approx(1 - 0.25 / 5, abs=1e-4)


# -- people who did not answer -------------------------------------------------------------------


def test_a_mentee_who_skipped_the_questionnaire_scores_the_neutral_baseline_never_less() -> None:
    mentors = [
        someone(
            skills=(("pytorch", level),),
            traits=traits(level, 3, 5 - level, 2, 4),
            working_style=WorkingStyleFacts(feedback_directness=level, meeting_rhythm="weekly"),
        )
        for level in (2, 3, 4, 5)
    ]
    skipped = someone(interests=(("pytorch", 1, 4),))
    good_fit = someone(
        interests=(("pytorch", 1, 4),),
        traits=mentors[3].traits,
        working_style=mentors[3].working_style,
    )
    poor_fit = someone(
        interests=(("pytorch", 1, 4),),
        traits=traits(1, 5, 5, 5, 1),
        working_style=WorkingStyleFacts(feedback_directness=1, meeting_rhythm="monthly"),
    )
    scorer = scorer_for([skipped, good_fit, poor_fit], mentors)
    pairs = [(mentee, mentor) for mentee in range(3) for mentor in range(4)]
    components = components_of(scorer, pairs)
    totals = scorer.total(components).reshape(3, 4)
    skipped_components = components[:4]
    # Exactly neutral for every mentor: the baseline, whatever the mentors answered.
    assert (skipped_components[:, PERSONALITY] == 0.5).all()
    assert (skipped_components[:, WORKING_STYLE] == 0.5).all()
    # The neutral baseline: the same mentee's score with both components set to 0.5 by hand.
    baseline = components_of(scorer, [(1, mentor) for mentor in range(4)])
    baseline[:, [PERSONALITY, WORKING_STYLE]] = 0.5
    assert totals[0] == pytest.approx(scorer.total(baseline))
    # Not disadvantaged: the ranking of mentors is the one without these components at all.
    without = Scorer(
        scorer.pool,
        scorer.batch,
        ScoringPolicy(weights=normalized_weights({"personality": 0, "working_style": 0, "intake": 0})),
        open_slots=np.ones(4, dtype=np.int32),
    )
    plain = without.total(components_of(without, [(0, mentor) for mentor in range(4)]))
    assert np.argsort(-totals[0], kind="stable").tolist() == np.argsort(-plain, kind="stable").tolist()
    # Answering can help or hurt relative to the baseline; skipping neither helps nor hurts.
    assert totals[1][3] > totals[0][3] > totals[2][3]


def test_a_mentor_who_did_not_answer_is_neutral_for_everyone() -> None:
    mentee = someone(traits=traits(5, 5, 5, 5, 5), working_style=WorkingStyleFacts(structure=5))
    silent = someone()
    components = components_of(scorer_for([mentee], [silent]), [(0, 0)])
    assert components[0, PERSONALITY] == components[0, WORKING_STYLE] == 0.5


# -- intake criteria -----------------------------------------------------------------------------

INDUSTRY = Criterion(
    "q-industry",
    "Industry",
    IntakeCriterionKind.PREFER_MATCH,
    (("health", "Healthcare"), ("finance", "Finance"), ("retail", "Retail")),
)
BACKGROUND = Criterion(
    "q-background",
    "Background",
    IntakeCriterionKind.PREFER_DIFFERENT,
    (("academia", "Academia"), ("industry", "Industry")),
)
SITE = Criterion("q-site", "Site", IntakeCriterionKind.MUST_MATCH, (("paris", "Paris"), ("lagos", "Lagos")))


def test_intake_preferences_reward_shared_or_different_answers_with_reasons() -> None:
    mentee = someone(intake={"q-industry": ("health", "retail"), "q-background": ("academia",)})
    same_industry_other_background = someone(
        intake={"q-industry": ("health",), "q-background": ("industry",)}
    )
    other_industry_same_background = someone(
        intake={"q-industry": ("finance",), "q-background": ("academia",)}
    )
    silent = someone()
    scorer = scorer_for(
        [mentee],
        [same_industry_other_background, other_industry_same_background, silent],
        criteria=(INDUSTRY, BACKGROUND),
    )
    intake = components_of(scorer, [(0, 0), (0, 1), (0, 2)])[:, INTAKE]
    assert intake.tolist() == [1.0, 0.0, 0.5]
    heavy = ScoringPolicy(weights=normalized_weights({"intake": 5.0}))
    scorer = scorer_for(
        [mentee], [same_industry_other_background], criteria=(INDUSTRY, BACKGROUND), policy=heavy
    )
    [pair] = explain_pairs(scorer, np.array([0]), np.array([0]))
    assert 'both answered Healthcare to "Industry"' in pair.reasons
    assert 'different answers to "Background", as the program prefers' in pair.reasons


def test_must_match_filters_pairs_that_answered_differently_and_says_why() -> None:
    mentee = someone(intake={"q-site": ("paris",)})
    paris, lagos, silent = (
        someone(intake={"q-site": ("paris",)}),
        someone(intake={"q-site": ("lagos",)}),
        someone(),
    )
    scorer = scorer_for([mentee], [paris, lagos, silent], criteria=(SITE,))
    assert scorer.feasible_block(np.array([0])).tolist() == [[True, False, True]]
    assert scorer.violations(0, 1) == ['different answers to "Site" (must match)']
    assert [int(mentor) for mentor in scorer.candidates(5).mentor] and 1 not in scorer.candidates(
        5
    ).mentor.tolist()


# -- self-identified matching preference ---------------------------------------------------------


def test_a_mentee_who_asked_to_share_an_attribute_prefers_mentors_with_the_same_key_silently() -> None:
    mentee = someone(identity={"caregiver_status": "key-a"})
    sharing = someone(identity={"caregiver_status": "key-a"})
    other = someone(identity={"caregiver_status": "key-b"})
    undisclosed = someone()
    scorer = scorer_for([mentee], [sharing, other, undisclosed])
    preferences = components_of(scorer, [(0, 0), (0, 1), (0, 2)])[:, PREFERENCES]
    assert preferences.tolist() == [1.0, 0.0, 0.0]
    [pair] = explain_pairs(scorer, np.array([0]), np.array([0]))
    # No reason may tell a reader anything about either person's self-identification.
    assert not any("caregiver" in reason or "identif" in reason for reason in pair.reasons)


def test_a_mentee_who_did_not_ask_is_scored_as_before() -> None:
    mentee = someone()
    sharing = someone(identity={"gender": "key-a"})
    plain = someone()
    preferences = components_of(scorer_for([mentee], [sharing, plain]), [(0, 0), (0, 1)])[:, PREFERENCES]
    assert preferences.tolist() == [0.5, 0.5]
