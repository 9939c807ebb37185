"""A realistic synthetic organization, for benchmarks and tests of scoring and assignment (pure).

Skill popularity is skewed (Zipf), people sit in a dozen time zones (including DST-observing ones
and a +05:45 one) with local working-hour windows picked from common templates, and speak English
mostly plus a regional language, so the hard filters leave a small share of all pairs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np

from matching.availability import WeeklyAvailability
from matching.pool import Participant

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


@dataclass(frozen=True)
class Organization:
    mentees: list[Participant]
    mentors: list[Participant]
    managers: dict[uuid.UUID, uuid.UUID | None]
    capacity: np.ndarray


def _zipf_choice(rng: np.random.Generator, count: int, size: int, exponent: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return rng.choice(count, size=size, replace=False, p=weights / weights.sum())


def organization(mentees: int, mentors: int, *, capacity: int = 5, seed: int = 7) -> Organization:
    """`mentees` and `mentors` of one program, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
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
    )
