"""Short human-readable reasons for a match score (pure: no I/O).

Each component that contributes gets one sentence built from the two profiles, e.g.
"mentor is level 5 in pytorch, mentee aims for 3" or "4.5 h of weekly overlap, Tue 09:00-11:00
Berlin / Tue 13:30-15:30 Kolkata"; reasons are ordered by how much they add to the score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from matching.availability import Horizon, common_windows, describe_interval
from matching.fit import TRAITS, trait_fit
from matching.intake import Criterion, shared_options
from matching.pool import MAX_LEVEL, Participant, rank_of
from shared.contracts.profiles import (
    IntakeCriterionKind,
    ScoreComponent,
    Seniority,
    SeniorityDirection,
    TraitFit,
)

MAX_REASONS = 6
_SENIORITY_NAMES = [level.value for level in Seniority]


def _label(skill: str, labels: Mapping[str, str]) -> str:
    return labels.get(skill, skill.replace("-", " "))


def skill_reasons(
    mentee: Participant, mentor: Participant, labels: Mapping[str, str], *, limit: int = 2
) -> list[str]:
    """The learning interests the mentor reaches best, strongest first."""
    levels = dict(mentor.skills)
    ranked = []
    for skill, current, target in mentee.interests:
        level = levels.get(skill, 0)
        if level <= (current or 0):
            continue
        ranked.append((min(level, MAX_LEVEL) >= target, level, skill, target))
    ranked.sort(reverse=True)
    return [
        f"mentor is level {level} in {_label(skill, labels)}, mentee aims for {target}"
        for _, level, skill, target in ranked[:limit]
    ]


def _hours(minutes: float) -> str:
    quarter_hours = round(minutes / 15) / 4
    return f"{quarter_hours:g} h"


def availability_reason(
    mentee: Participant,
    mentor: Participant,
    *,
    weekly_minutes: float,
    horizon: Horizon,
    windows: Sequence[tuple[dt.datetime, dt.datetime]] | None = None,
) -> str | None:
    """Weekly common time and its longest window (first week), in each person's local time."""
    if weekly_minutes <= 0:
        return None
    if windows is None:
        windows = common_windows(mentee.availability, mentor.availability, horizon)
    text = f"{_hours(weekly_minutes)} of weekly overlap"
    if windows:
        start, end = max(windows, key=lambda window: window[1] - window[0])
        mentee_side = describe_interval(start, end, mentee.time_zone)
        mentor_side = describe_interval(start, end, mentor.time_zone)
        text += f", {mentee_side}" if mentee_side == mentor_side else f", {mentee_side} / {mentor_side}"
    return text


def seniority_reason(
    mentee: Participant, mentor: Participant, direction: str = SeniorityDirection.MENTOR_SENIOR.value
) -> str | None:
    mentee_rank = rank_of(mentee.seniority, mentee.years_of_experience)
    mentor_rank = rank_of(mentor.seniority, mentor.years_of_experience)
    if mentee_rank < 0 or mentor_rank < 0:
        return None
    gap = mentor_rank - mentee_rank
    levels = f"{abs(gap)} level{'s' if abs(gap) != 1 else ''}"
    names = f"mentor is {_SENIORITY_NAMES[mentor_rank]}, mentee {_SENIORITY_NAMES[mentee_rank]}"
    mentor_name, mentee_name = _SENIORITY_NAMES[mentor_rank], _SENIORITY_NAMES[mentee_rank]
    if direction == SeniorityDirection.MENTOR_JUNIOR:
        # Reverse mentoring: the junior person teaches, and the reason says so.
        if gap < 0:
            return (
                f"reverse mentoring: the mentor ({mentor_name}) is {levels} below the mentee "
                f"({mentee_name}) and teaches them"
            )
        return (
            f"reverse mentoring, yet the mentor ({mentor_name}) is not junior to the mentee ({mentee_name})"
        )
    if direction == SeniorityDirection.EITHER:
        return f"peers: {mentor_name} and {mentee_name} ({levels} apart)"
    if gap > 0:
        return f"{names} ({levels} apart)"
    return f"{names} (mentor is not more senior)"


_COMMUNICATION = (
    ("async_written", "both prefer written async updates"),
    ("video", "both prefer video calls"),
    ("chat", "both prefer chat"),
)
_RHYTHM = {"weekly": "weekly", "biweekly": "every two weeks", "monthly": "monthly"}


def working_style_reasons(mentee: Participant, mentor: Participant) -> list[str]:
    """The parts of their working styles that fit well, in words (both must have answered them)."""
    first, second = mentee.working_style, mentor.working_style
    if first is None or second is None:
        return []
    found = []
    shared = first.communication & second.communication
    for mode, text in _COMMUNICATION:
        if mode in shared:
            found.append(text)
            break
    if first.meeting_rhythm and first.meeting_rhythm == second.meeting_rhythm:
        found.append(f"both want to meet {_RHYTHM.get(first.meeting_rhythm, first.meeting_rhythm)}")
    wanted, given = first.feedback_directness, second.feedback_directness
    if wanted is not None and given is not None:
        if wanted >= 4 and given >= 4:
            found.append("mentor is direct, mentee asked for direct feedback")
        elif wanted <= 2 and given <= 2:
            found.append("mentor gives gentle feedback, as the mentee prefers")
    if first.structure is not None and second.structure is not None:
        if first.structure <= 2 and second.structure <= 2:
            found.append("both like a structured plan")
        elif first.structure >= 4 and second.structure >= 4:
            found.append("both like open exploration")
    if first.challenge is not None and second.challenge is not None:
        if first.challenge >= 4 and second.challenge >= 4:
            found.append("mentor challenges hard, mentee wants to be challenged")
        elif first.challenge <= 2 and second.challenge <= 2:
            found.append("mentor goes at the mentee's pace, as the mentee prefers")
    return found


def personality_reason(mentee: Participant, mentor: Participant, modes: Sequence[TraitFit]) -> str | None:
    """The traits on which they fit as the program wants (relations only, never a score)."""
    if mentee.traits is None or mentor.traits is None:
        return None
    similar: list[str] = []
    complementary: list[str] = []
    for trait, mode, first, second in zip(TRAITS, modes, mentee.traits, mentor.traits, strict=False):
        if mode is TraitFit.IGNORED or trait_fit(mode, first, second) < 0.75:
            continue
        (complementary if mode is TraitFit.COMPLEMENTARY else similar).append(trait.value)
    parts = []
    if similar:
        parts.append("similar in " + _listed(similar))
    if complementary:
        parts.append("complementary in " + _listed(complementary))
    return "personalities fit: " + "; ".join(parts) if parts else None


def _listed(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def intake_reasons(mentee: Participant, mentor: Participant, criteria: Sequence[Criterion]) -> list[str]:
    """Intake criteria the pair meets, in words (both must have answered)."""
    found = []
    for criterion in criteria:
        first = mentee.intake.get(criterion.question_id, ())
        second = mentor.intake.get(criterion.question_id, ())
        if not first or not second:
            continue
        labels = shared_options(criterion, first, second)
        if criterion.kind is IntakeCriterionKind.PREFER_DIFFERENT:
            if not labels:
                found.append(f'different answers to "{criterion.prompt}", as the program prefers')
        elif labels:
            found.append(f'both answered {", ".join(labels)} to "{criterion.prompt}"')
    return found


def explain(
    mentee: Participant,
    mentor: Participant,
    components: Mapping[str, float],
    *,
    weights: Mapping[str, float],
    horizon: Horizon,
    weekly_minutes: float,
    common: Sequence[tuple[dt.datetime, dt.datetime]] | None = None,
    shared_terms: Sequence[str] = (),
    preferred: bool = False,
    skill_labels: Mapping[str, str] | None = None,
    personality_fit: Sequence[TraitFit] = (),
    criteria: Sequence[Criterion] = (),
    seniority_direction: str = SeniorityDirection.MENTOR_SENIOR.value,
) -> list[str]:
    """Reasons for one pair, most contributing first (at most MAX_REASONS)."""
    labels = skill_labels or {}
    candidates: list[tuple[float, int, str]] = []

    def add(component: ScoreComponent, text: str | None, order: int = 0) -> None:
        if text:
            contribution = weights.get(component.value, 0.0) * components.get(component.value, 0.0)
            candidates.append((contribution, -order, text))

    for order, text in enumerate(skill_reasons(mentee, mentor, labels)):
        add(ScoreComponent.SKILLS, text, order)
    if mentee.interests and not skill_reasons(mentee, mentor, labels, limit=1):
        add(ScoreComponent.SKILLS, "mentor does not list the skills the mentee wants to learn", 9)
    add(
        ScoreComponent.AVAILABILITY,
        availability_reason(mentee, mentor, weekly_minutes=weekly_minutes, horizon=horizon, windows=common),
    )
    if shared_terms:
        add(ScoreComponent.GOALS, "similar goals: " + ", ".join(shared_terms))
    offered = sorted(mentee.guidance & mentor.guidance)
    if offered:
        kinds = " and ".join(kind.replace("_", " ") for kind in offered)
        add(ScoreComponent.GUIDANCE, f"offers the {kinds} guidance the mentee wants")
    add(ScoreComponent.SENIORITY, seniority_reason(mentee, mentor, seniority_direction))
    shared_specializations = sorted(mentee.specializations & mentor.specializations)
    if shared_specializations:
        add(
            ScoreComponent.SPECIALIZATION,
            "both specialize in " + ", ".join(item.replace("-", " ") for item in shared_specializations[:3]),
        )
    if preferred:
        add(ScoreComponent.PREFERENCES, "mentee listed this mentor as preferred")
    if mentee.learning_style and mentee.learning_style == mentor.learning_style:
        add(ScoreComponent.PREFERENCES, f"same learning style ({mentee.learning_style.replace('_', '-')})", 1)
    if mentee.languages and mentee.languages[0] in mentor.languages:
        add(ScoreComponent.LANGUAGES, f"both speak {mentee.languages[0]}")
    else:
        common = [language for language in mentee.languages if language in mentor.languages]
        if common:
            add(ScoreComponent.LANGUAGES, f"both speak {common[0]}")
    add(ScoreComponent.PERSONALITY, personality_reason(mentee, mentor, personality_fit))
    for order, text in enumerate(working_style_reasons(mentee, mentor)):
        add(ScoreComponent.WORKING_STYLE, text, order)
    for order, text in enumerate(intake_reasons(mentee, mentor, criteria)):
        add(ScoreComponent.INTAKE, text, order)
    # Self-identified attributes the mentee asked to share never get words: a reason would tell
    # whoever reads it (an admin, the mentor) something about both people's self-identification.
    candidates.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [text for _, _, text in candidates[:MAX_REASONS]]
