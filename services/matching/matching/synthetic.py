"""A realistic synthetic organization, for benchmarks and tests of scoring and assignment (pure),
and `seed_read_model`, which writes one into matching's read model in bulk for the benchmarks.

Skill popularity is skewed (Zipf), people sit in a dozen time zones (including DST-observing ones
and a +05:45 one) with local working-hour windows picked from common templates, and speak English
mostly plus a regional language, so the hard filters leave a small share of all pairs. About
70% took the personality questionnaire and 70% answered the working-style questions (drawn from a
generator of their own, so the rest of the organization is the same whatever these are).

The program asks three intake criteria (`CRITERIA`: a must_match filter, a prefer_match and a
prefer_different component), which most people answered, and a few people self-identified on one
attribute for matching (a pseudonymous key only): 8% of mentees asked to share it with their
mentor, a quarter of mentors agreed to be matched on it. These are drawn from a third generator;
scoring uses the criteria only when a pool is built with them (`Organization.criteria`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

from matching.availability import WeeklyAvailability
from matching.fit import RHYTHMS, TRAITS, WorkingStyleFacts
from matching.intake import Criterion
from matching.pool import Participant
from shared.contracts.profiles import IntakeCriterionKind

ZONES: tuple[tuple[str, float, str | None], ...] = (
    ("America/Los_Angeles", 0.12, "es"),
    ("America/New_York", 0.18, "es"),
    ("America/Sao_Paulo", 0.05, "pt"),
    ("Europe/London", 0.10, None),
    ("Europe/Berlin", 0.14, "de"),
    ("Europe/Paris", 0.06, "fr"),
    ("Africa/Lagos", 0.03, "yo"),
    ("Asia/Kolkata", 0.14, "hi"),
    ("Asia/Kathmandu", 0.02, "ne"),
    ("Asia/Singapore", 0.06, "zh"),
    ("Asia/Tokyo", 0.05, "ja"),
    ("Australia/Sydney", 0.05, None),
)
SKILLS = (
    "python",
    "machine-learning",
    "deep-learning",
    "pytorch",
    "llms",
    "nlp",
    "mlops",
    "computer-vision",
    "statistics",
    "sql",
    "data-engineering",
    "tensorflow",
    "generative-ai",
    "prompt-engineering",
    "reinforcement-learning",
    "recommender-systems",
    "time-series",
    "distributed-training",
    "ml-infrastructure",
    "explainable-ai",
    "ai-ethics",
    "speech",
    "jax",
    "data-visualization",
    "ai-safety",
    "privacy-preserving-ml",
)
SPECIALIZATIONS = (
    "llm-applications",
    "vision-transformers",
    "recsys",
    "forecasting",
    "fraud-detection",
    "robotics",
    "healthcare-ai",
    "speech-recognition",
    "search-ranking",
    "autonomous-driving",
    "ml-platform",
    "responsible-ai",
    "data-platform",
    "edge-ml",
    "bioinformatics",
)
GOAL_PHRASES = (
    "ship production LLM applications with retrieval",
    "fine-tune transformer models efficiently",
    "scale distributed training on GPU clusters",
    "design reliable ML pipelines and monitoring",
    "grow into a tech lead role",
    "publish research on reinforcement learning",
    "build computer vision systems for manufacturing",
    "understand model interpretability and fairness",
    "move from data analysis to machine learning engineering",
    "lead an applied science team",
    "improve experiment design and statistics",
    "deploy models on edge devices",
    "build recommender systems for e-commerce",
    "forecast demand with time series models",
    "navigate a career change into AI",
    "speak at conferences about NLP",
    "set up feature stores and data contracts",
    "evaluate generative models safely",
    "optimize inference latency and cost",
    "mentor others and grow leadership skills",
)
WINDOW_TEMPLATES: tuple[tuple[int, int, int], ...] = (
    (0, 9 * 60, 11 * 60),
    (0, 14 * 60, 16 * 60),
    (1, 9 * 60, 10 * 60 + 30),
    (1, 13 * 60, 15 * 60),
    (2, 10 * 60, 12 * 60),
    (2, 15 * 60, 17 * 60),
    (3, 8 * 60 + 30, 10 * 60),
    (3, 16 * 60, 18 * 60),
    (4, 9 * 60, 11 * 60),
    (4, 13 * 60 + 30, 15 * 60),
    (1, 17 * 60, 19 * 60),
    (3, 12 * 60, 13 * 60 + 30),
)
SENIORITIES = ("intern", "junior", "mid", "senior", "staff", "principal", "director", "executive")
GUIDANCE = ("technical", "career", "professional_development")
STYLES = ("hands_on", "discussion", "structured", "self_directed", "visual")


# The program's intake criteria (as profiles sends them: `IntakeCriterion`), with how often each
# option is chosen: (criterion, share who answered, option weights, most options chosen).
_SITES = ("paris", "berlin", "bangalore", "new-york", "singapore", "remote-first")
_PATHS = ("startup", "big-tech", "academia", "public-sector", "consulting")
_MODES = ("video", "in-person", "hybrid")
CRITERIA: tuple[tuple[Criterion, float, tuple[float, ...], int], ...] = (
    (
        Criterion(
            question_id="00000000-0000-4000-8000-00000000000a",
            prompt="How would you like to meet?",
            kind=IntakeCriterionKind.MUST_MATCH,
            options=tuple((mode, mode.replace("-", " ")) for mode in _MODES),
        ),
        0.75,
        (0.85, 0.3, 0.4),
        3,
    ),
    (
        Criterion(
            question_id="00000000-0000-4000-8000-00000000000b",
            prompt="Which site do you work closest to?",
            kind=IntakeCriterionKind.PREFER_MATCH,
            options=tuple((site, site.replace("-", " ").title()) for site in _SITES),
        ),
        0.8,
        (0.25, 0.2, 0.2, 0.15, 0.1, 0.1),
        1,
    ),
    (
        Criterion(
            question_id="00000000-0000-4000-8000-00000000000c",
            prompt="Where did your career start?",
            kind=IntakeCriterionKind.PREFER_DIFFERENT,
            options=tuple((path, path.replace("-", " ")) for path in _PATHS),
        ),
        0.7,
        (0.3, 0.3, 0.2, 0.1, 0.1),
        2,
    ),
)
IDENTITY_ATTRIBUTE = "gender"
IDENTITY_KEYS = ("k-3f9a1c", "k-b27e44", "k-0d6e9b")  # pseudonymous group keys, as profiles derives them


@dataclass(frozen=True)
class Organization:
    mentees: list[Participant]
    mentors: list[Participant]
    managers: dict[uuid.UUID, uuid.UUID | None]
    capacity: np.ndarray
    # The program's intake criteria (pass them to `MentorPool.build`), as matching reads them.
    criteria: tuple[Criterion, ...] = ()


def criteria_documents(criteria: tuple[Criterion, ...]) -> list[dict[str, Any]]:
    """The criteria as the program's `intake_criteria` in matching's read model."""
    return [
        {
            "question_id": item.question_id,
            "prompt": item.prompt,
            "kind": item.kind.value,
            "options": [{"id": option, "label": label} for option, label in item.options],
        }
        for item in criteria
    ]


def _intake(rng: np.random.Generator) -> dict[str, tuple[str, ...]]:
    """Answers to `CRITERIA` (a criterion left out: not answered)."""
    answers: dict[str, tuple[str, ...]] = {}
    for criterion, answered, weights, most in CRITERIA:
        if rng.random() >= answered:
            continue
        options = [option for option, _ in criterion.options]
        if most == len(options):  # each option on its own odds, at least one
            chosen = [option for option, odds in zip(options, weights, strict=True) if rng.random() < odds]
            chosen = chosen or [options[int(np.argmax(weights))]]
        else:
            p = np.asarray(weights) / sum(weights)
            count = int(rng.integers(1, most + 1))
            picked = rng.choice(len(options), size=count, replace=False, p=p)
            chosen = [options[index] for index in sorted(picked)]
        answers[criterion.question_id] = tuple(chosen)
    return answers


def _identity(rng: np.random.Generator, *, mentor: bool) -> dict[str, str]:
    """A pseudonymous key for matching: mentors who agreed to be matched on it, mentees who asked."""
    if rng.random() >= (0.25 if mentor else 0.08):
        return {}
    return {IDENTITY_ATTRIBUTE: IDENTITY_KEYS[int(rng.choice(3, p=(0.48, 0.47, 0.05)))]}


def _traits(rng: np.random.Generator) -> tuple[float, ...] | None:
    """Rescaled Mini-IPIP trait scores (quarter steps of 1-5), or None for the 30% who skipped it."""
    if rng.random() >= 0.7:
        return None
    quarters = np.clip(np.rint(rng.normal(8.0, 3.0, size=len(TRAITS))), 0, 16)
    return tuple(float(value) / 16.0 for value in quarters)


def _working_style(rng: np.random.Generator) -> WorkingStyleFacts | None:
    if rng.random() >= 0.7:
        return None
    modes = ("video", "chat", "async_written")
    chosen = frozenset(mode for mode in modes if rng.random() < 0.45) or frozenset({modes[rng.integers(3)]})
    return WorkingStyleFacts(
        communication=chosen,
        meeting_rhythm=RHYTHMS[rng.integers(len(RHYTHMS))],
        feedback_directness=int(rng.integers(1, 6)),
        structure=int(rng.integers(1, 6)),
        challenge=int(rng.integers(1, 6)) if rng.random() < 0.9 else None,
    )


def _zipf_choice(rng: np.random.Generator, count: int, size: int, exponent: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return rng.choice(count, size=size, replace=False, p=weights / weights.sum())


def organization(mentees: int, mentors: int, *, capacity: int = 5, seed: int = 7) -> Organization:
    """`mentees` and `mentors` of one program, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    fit_rng = np.random.default_rng(seed + 1_000_003)
    intake_rng = np.random.default_rng(seed + 2_000_003)
    zone_weights = np.asarray([weight for _, weight, _ in ZONES])
    zone_weights /= zone_weights.sum()
    departments = [f"dept-{number:02d}" for number in range(24)]

    def person(*, mentor: bool) -> Participant:
        zone, _, regional = ZONES[rng.choice(len(ZONES), p=zone_weights)]
        languages: list[str] = []
        if rng.random() < 0.88 or regional is None:
            languages.append("en")
        if regional is not None and (rng.random() < 0.55 or not languages):
            languages.insert(int(rng.random() < 0.5), regional)
        windows = tuple(
            WINDOW_TEMPLATES[index]
            for index in sorted(rng.choice(len(WINDOW_TEMPLATES), size=rng.integers(2, 5), replace=False))
        )
        goals = [GOAL_PHRASES[index] for index in rng.choice(len(GOAL_PHRASES), size=2, replace=False)]
        if mentor:
            skills = tuple(
                (SKILLS[index], int(rng.integers(3, 6))) for index in _zipf_choice(rng, len(SKILLS), 6)
            )
            interests: tuple[tuple[str, int | None, int], ...] = ()
            seniority = SENIORITIES[rng.integers(3, 7)]
        else:
            skills = tuple(
                (SKILLS[index], int(rng.integers(1, 3))) for index in _zipf_choice(rng, len(SKILLS), 2)
            )
            interests = tuple(
                (SKILLS[index], int(rng.integers(1, 3)), int(rng.integers(3, 5)))
                for index in _zipf_choice(rng, len(SKILLS), int(rng.integers(2, 5)))
            )
            seniority = SENIORITIES[rng.integers(0, 4)]
        guidance = frozenset(
            GUIDANCE[index] for index in rng.choice(3, size=int(rng.integers(1, 3)), replace=False)
        )
        return Participant(
            person_id=uuid.UUID(int=int(rng.integers(1, 2**62)) << 64 | int(rng.integers(1, 2**62))),
            time_zone=zone,
            languages=tuple(languages),
            availability=WeeklyAvailability(zone, windows),
            department=departments[rng.integers(len(departments))],
            seniority=seniority,
            text=". ".join(goals),
            skills=skills,
            interests=interests,
            guidance=guidance,
            specializations=frozenset(
                SPECIALIZATIONS[index]
                for index in _zipf_choice(rng, len(SPECIALIZATIONS), int(rng.integers(1, 3)))
            ),
            learning_style=STYLES[rng.integers(len(STYLES))] if rng.random() < 0.7 else None,
            traits=_traits(fit_rng),
            working_style=_working_style(fit_rng),
            intake=_intake(intake_rng),
            identity=_identity(intake_rng, mentor=mentor),
        )

    mentor_list = [person(mentor=True) for _ in range(mentors)]
    mentee_list = [person(mentor=False) for _ in range(mentees)]
    # A third of mentees report to one of the mentors: those pairs are excluded (reporting line).
    managers: dict[uuid.UUID, uuid.UUID | None] = {}
    for mentee in mentee_list:
        if rng.random() < 0.33:
            managers[mentee.person_id] = mentor_list[rng.integers(mentors)].person_id
    return Organization(
        mentees=mentee_list,
        mentors=mentor_list,
        managers=managers,
        capacity=np.full(mentors, capacity, dtype=np.int32),
        criteria=tuple(criterion for criterion, *_ in CRITERIA),
    )


def _profile(participant: Participant) -> dict[str, Any]:
    def hhmm(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return {
        "bio": participant.text,
        "goals": [],
        "skills": [{"skill": skill, "level": level} for skill, level in participant.skills],
        "learning_interests": [
            {"skill": skill, "current_level": current, "target_level": target}
            for skill, current, target in participant.interests
        ],
        "guidance": sorted(participant.guidance),
        "specializations": sorted(participant.specializations),
        "learning_style": participant.learning_style,
        "availability": [
            {"weekday": day, "start": hhmm(start), "end": hhmm(end)}
            for day, start, end in participant.availability.windows
        ],
        "availability_overrides": [],
    }


def _personality_row(participant: Participant, *, organization: str, now: dt.datetime) -> dict[str, Any]:
    """The read-model row a PersonalityUpdated event would have written (trait scores 1 to 5)."""
    style = participant.working_style
    return {
        "person_id": participant.person_id,
        "organization": organization,
        "version": 1,
        "traits": (
            {trait.value: 1.0 + 4.0 * value for trait, value in zip(TRAITS, participant.traits, strict=True)}
            if participant.traits is not None
            else None
        ),
        "working_style": (
            {
                "communication": sorted(style.communication),
                "meeting_rhythm": style.meeting_rhythm,
                "feedback_directness": style.feedback_directness,
                "structure": style.structure,
                "challenge": style.challenge,
            }
            if style is not None
            else None
        ),
        "updated_at": now,
    }


async def seed_read_model(database_url: str, org: Organization, *, capacity: int) -> tuple[str, uuid.UUID]:
    """Matching's read model of one program with `org`'s people, written in bulk. (organization, program)."""
    from sqlalchemy import insert

    from matching.models import (
        Enrollment,
        IdentityGroups,
        MentorSlots,
        Person,
        PersonalityProfile,
        Program,
    )
    from shared.contracts.profiles import DEFAULT_SCORE_WEIGHTS
    from shared.db import create_engine, session_factory, transaction

    engine = create_engine(database_url)
    org_id = f"org-{uuid.uuid4().hex[:8]}"
    program_id = uuid.uuid4()
    now = dt.datetime.now(dt.UTC)
    people, enrollments, slots, personalities, identities = [], [], [], [], []
    for role, group in (("mentor", org.mentors), ("mentee", org.mentees)):
        for participant in group:
            if participant.traits is not None or participant.working_style is not None:
                personalities.append(_personality_row(participant, organization=org_id, now=now))
            if participant.identity:
                identities.append(
                    {
                        "person_id": participant.person_id,
                        "organization": org_id,
                        "version": 1,
                        "fairness": {},
                        "matching": dict(participant.identity),
                        "updated_at": now,
                    }
                )
            people.append(
                {
                    "id": participant.person_id,
                    "organization": org_id,
                    "version": 1,
                    "name": participant.name or "Someone",
                    "title": None,
                    "department": participant.department,
                    "manager_id": org.managers.get(participant.person_id),
                    "seniority": participant.seniority,
                    "years_of_experience": None,
                    "time_zone": participant.time_zone,
                    "languages": list(participant.languages),
                    "mentor_capacity": capacity,
                    "active": True,
                    "profile": _profile(participant),
                    "updated_at": now,
                }
            )
            enrollments.append(
                {
                    "id": uuid.uuid4(),
                    "organization": org_id,
                    "version": 1,
                    "program_id": program_id,
                    "person_id": participant.person_id,
                    "role": role,
                    "status": "active",
                    "goals": [],
                    "mentor_capacity": None,
                    "matching_answers": {
                        question: list(options) for question, options in participant.intake.items()
                    },
                    "updated_at": now,
                }
            )
            if role == "mentor":
                slots.append(
                    {
                        "program_id": program_id,
                        "mentor_id": participant.person_id,
                        "organization": org_id,
                        "capacity": capacity,
                        "used": 0,
                    }
                )
    try:
        async with transaction(session_factory(engine)) as session:
            await session.execute(
                insert(Program).values(
                    id=program_id,
                    organization=org_id,
                    version=1,
                    name="Bench",
                    status="active",
                    matching_mode="admin_approved",
                    # What profiles stores on every program it creates: the shared defaults.
                    score_weights={c.value: weight for c, weight in DEFAULT_SCORE_WEIGHTS.items()},
                    session_length_minutes=60,
                    exclude_same_department=False,
                    cohort_start=now.date(),
                    cohort_end=now.date() + dt.timedelta(days=180),
                    intake_criteria=criteria_documents(org.criteria),
                    updated_at=now,
                )
            )
            for table, rows in (
                (Person, people),
                (Enrollment, enrollments),
                (MentorSlots, slots),
                (PersonalityProfile, personalities),
                (IdentityGroups, identities),
            ):
                for first in range(0, len(rows), 5000):
                    await session.execute(insert(table), rows[first : first + 5000])
    finally:
        await engine.dispose()
    return org_id, program_id
