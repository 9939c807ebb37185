"""What the outcome reports measure: each measure's definition, unit, horizon and source, the
headline measures of each program objective, and what counts as moving up.

Pure code (no I/O). The definitions here are the ones every figure quotes in its `how`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from shared.contracts.profiles import ProgramObjective, Seniority


class Measure(StrEnum):
    RETENTION_90D = "retention_90d"
    RETENTION_365D = "retention_365d"
    PROMOTION_365D = "promotion_365d"
    MOBILITY_365D = "mobility_365d"
    SKILL_GROWTH_180D = "skill_growth_180d"
    TIME_TO_FIRST_SESSION = "time_to_first_session"
    GOALS_COMPLETED = "goals_completed"
    TRAINING_COMPLETION = "training_completion"
    MATCH_RATE = "match_rate"
    SATISFACTION = "satisfaction"
    NPS = "nps"


class Career(StrEnum):
    """What a person's profile history shows happening to them (see `careers.py`)."""

    STAYED = "stayed"  # active at the horizon
    PROMOTED = "promoted"
    MOVED = "moved"
    SKILL_ROSE = "skill_rose"


class Unit(StrEnum):
    SHARE = "share"  # 0..1
    DAYS = "days"
    SCORE = "score"  # satisfaction, 1..5
    NPS = "nps"  # -100..100


@dataclass(frozen=True)
class MeasureSpec:
    measure: Measure
    label: str
    definition: str
    unit: Unit
    source: str  # the service whose events it is built from
    horizon_days: int | None = None
    # Measured on participants AND a matched comparison group of non-participants.
    compared: bool = False
    career: Career | None = None


_CAREER_POPULATION = (
    "Participants: people enrolled as mentees (intention to treat: withdrawals count), from their "
    "start (the later of enrolling and the cohort start), when active then and followed for the "
    "whole horizon."
)

CATALOG: dict[Measure, MeasureSpec] = {
    spec.measure: spec
    for spec in (
        MeasureSpec(
            Measure.RETENTION_90D,
            "Retention at 90 days",
            "Share still active (not deactivated) 90 days after their start. " + _CAREER_POPULATION,
            Unit.SHARE,
            "profiles",
            horizon_days=90,
            compared=True,
            career=Career.STAYED,
        ),
        MeasureSpec(
            Measure.RETENTION_365D,
            "Retention at 365 days",
            "Share still active (not deactivated) 365 days after their start. " + _CAREER_POPULATION,
            Unit.SHARE,
            "profiles",
            horizon_days=365,
            compared=True,
            career=Career.STAYED,
        ),
        MeasureSpec(
            Measure.PROMOTION_365D,
            "Promotion within 365 days",
            "Share whose seniority or title moved up (seniority order intern < junior < mid < senior < "
            "staff < principal < director < executive; a title's rank is the highest seniority word "
            "in it, mid when it names none) within 365 days of their start; leavers count as not "
            "promoted. " + _CAREER_POPULATION,
            Unit.SHARE,
            "profiles",
            horizon_days=365,
            compared=True,
            career=Career.PROMOTED,
        ),
        MeasureSpec(
            Measure.MOBILITY_365D,
            "Internal mobility within 365 days",
            "Share whose department changed (from one named department to another) within 365 days "
            "of their start. " + _CAREER_POPULATION,
            Unit.SHARE,
            "profiles",
            horizon_days=365,
            compared=True,
            career=Career.MOVED,
        ),
        MeasureSpec(
            Measure.SKILL_GROWTH_180D,
            "Skill growth within 180 days",
            "Share who raised the self-reported level of at least one skill they already listed "
            "within 180 days of their start. " + _CAREER_POPULATION,
            Unit.SHARE,
            "profiles",
            horizon_days=180,
            compared=True,
            career=Career.SKILL_ROSE,
        ),
        MeasureSpec(
            Measure.TIME_TO_FIRST_SESSION,
            "Time to first session",
            "Median days from a mentee's enrollment to their first completed session (Kaplan-Meier: "
            "mentees without a session yet count as censored at the period's end or when they left "
            "the program).",
            Unit.DAYS,
            "scheduling",
        ),
        MeasureSpec(
            Measure.GOALS_COMPLETED,
            "Goals completed",
            "Share of the goals pairs set (proposals not yet accepted left out) that are done.",
            Unit.SHARE,
            "workspace",
        ),
        MeasureSpec(
            Measure.TRAINING_COMPLETION,
            "Training completion",
            "Share of course assignments (mentors and mentees) completed, of those not closed (an "
            "assignment closes when its person leaves the program unfinished), as program analytics count.",
            Unit.SHARE,
            "training",
        ),
        MeasureSpec(
            Measure.MATCH_RATE,
            "Match rate",
            "Share of enrolled mentees who started working with a mentor (a match accepted).",
            Unit.SHARE,
            "matching",
        ),
        MeasureSpec(
            Measure.SATISFACTION,
            "Satisfaction",
            "Mean satisfaction (1-5) answered in check-ins and close-outs.",
            Unit.SCORE,
            "feedback",
        ),
        MeasureSpec(
            Measure.NPS,
            "Net promoter score",
            "% promoters (9-10) minus % detractors (0-6) among NPS answers in check-ins and close-outs.",
            Unit.NPS,
            "feedback",
        ),
    )
}

# The measures that answer each objective's question (shown on the dashboard per program).
HEADLINES: dict[ProgramObjective, tuple[Measure, ...]] = {
    ProgramObjective.ONBOARDING: (
        Measure.RETENTION_90D,
        Measure.RETENTION_365D,
        Measure.TIME_TO_FIRST_SESSION,
    ),
    ProgramObjective.LEADERSHIP: (Measure.PROMOTION_365D,),
    ProgramObjective.TECHNICAL_SKILLS: (Measure.SKILL_GROWTH_180D, Measure.GOALS_COMPLETED),
    ProgramObjective.DIVERSITY_INCLUSION: (
        Measure.MATCH_RATE,
        Measure.RETENTION_365D,
        Measure.PROMOTION_365D,
    ),
    ProgramObjective.CAREER_GROWTH: (Measure.PROMOTION_365D, Measure.MOBILITY_365D),
}

# Measured per group (department, seniority, region ...) in diversity and inclusion reports.
GROUP_MEASURES: tuple[Measure, ...] = (Measure.MATCH_RATE, Measure.RETENTION_365D, Measure.PROMOTION_365D)


def headlines(objective: str | None) -> tuple[Measure, ...]:
    """The headline measures of a program's objective (none while the objective is unknown)."""
    if objective is None or objective not in ProgramObjective.__members__.values():
        return ()
    return HEADLINES[ProgramObjective(objective)]


# --- moving up -------------------------------------------------------------------------------

SENIORITY_RANK: dict[str, int] = {level.value: rank for rank, level in enumerate(Seniority)}

# Words in a job title and the seniority they name (the highest one found is the title's rank).
_TITLE_WORDS: dict[str, Seniority] = {
    "intern": Seniority.INTERN,
    "internship": Seniority.INTERN,
    "trainee": Seniority.INTERN,
    "apprentice": Seniority.INTERN,
    "junior": Seniority.JUNIOR,
    "jr": Seniority.JUNIOR,
    "associate": Seniority.JUNIOR,
    "graduate": Seniority.JUNIOR,
    "senior": Seniority.SENIOR,
    "sr": Seniority.SENIOR,
    "lead": Seniority.STAFF,
    "staff": Seniority.STAFF,
    "manager": Seniority.STAFF,
    "principal": Seniority.PRINCIPAL,
    "distinguished": Seniority.PRINCIPAL,
    "head": Seniority.DIRECTOR,
    "director": Seniority.DIRECTOR,
    "vp": Seniority.EXECUTIVE,
    "vice": Seniority.EXECUTIVE,
    "chief": Seniority.EXECUTIVE,
    "cto": Seniority.EXECUTIVE,
    "ceo": Seniority.EXECUTIVE,
    "cio": Seniority.EXECUTIVE,
}
_WORD = re.compile(r"[a-z]+")


def seniority_rank(seniority: str | None) -> int | None:
    """The rank of a seniority in `Seniority`'s order (intern 0 ... executive 7); None if unknown."""
    return SENIORITY_RANK.get(seniority) if seniority else None


@functools.lru_cache(maxsize=8192)
def title_rank(title: str | None) -> int | None:
    """The rank a job title names: its highest seniority word, mid when it names none; None
    without a title."""
    if not title or not title.strip():
        return None
    ranks = [
        SENIORITY_RANK[_TITLE_WORDS[word].value]
        for word in _WORD.findall(title.lower())
        if word in _TITLE_WORDS
    ]
    return max(ranks) if ranks else SENIORITY_RANK[Seniority.MID.value]
