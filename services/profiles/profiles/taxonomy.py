"""The default AI skill taxonomy every organization starts with (organizations may add their own).

Skills are referred to by slug everywhere (profiles, learning interests, events); labels are for people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG = re.compile(SLUG_PATTERN)


class SkillCategory(StrEnum):
    PROGRAMMING = "programming"
    FRAMEWORKS = "frameworks"
    MACHINE_LEARNING = "machine-learning"
    DATA = "data"
    OPERATIONS = "operations"
    RESPONSIBLE_AI = "responsible-ai"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Skill:
    slug: str
    label: str
    category: SkillCategory


DEFAULT_SKILLS: tuple[Skill, ...] = (
    Skill("python", "Python", SkillCategory.PROGRAMMING),
    Skill("statistics", "Statistics", SkillCategory.MACHINE_LEARNING),
    Skill("machine-learning", "Machine learning", SkillCategory.MACHINE_LEARNING),
    Skill("deep-learning", "Deep learning", SkillCategory.MACHINE_LEARNING),
    Skill("pytorch", "PyTorch", SkillCategory.FRAMEWORKS),
    Skill("tensorflow", "TensorFlow", SkillCategory.FRAMEWORKS),
    Skill("jax", "JAX", SkillCategory.FRAMEWORKS),
    Skill("nlp", "Natural language processing", SkillCategory.MACHINE_LEARNING),
    Skill("llms", "Large language models", SkillCategory.MACHINE_LEARNING),
    Skill("prompt-engineering", "Prompt engineering", SkillCategory.MACHINE_LEARNING),
    Skill("generative-ai", "Generative AI", SkillCategory.MACHINE_LEARNING),
    Skill("computer-vision", "Computer vision", SkillCategory.MACHINE_LEARNING),
    Skill("speech", "Speech and audio", SkillCategory.MACHINE_LEARNING),
    Skill("reinforcement-learning", "Reinforcement learning", SkillCategory.MACHINE_LEARNING),
    Skill("recommender-systems", "Recommender systems", SkillCategory.MACHINE_LEARNING),
    Skill("time-series", "Time series and forecasting", SkillCategory.MACHINE_LEARNING),
    Skill("data-engineering", "Data engineering", SkillCategory.DATA),
    Skill("data-visualization", "Data visualization", SkillCategory.DATA),
    Skill("sql", "SQL", SkillCategory.DATA),
    Skill("mlops", "MLOps", SkillCategory.OPERATIONS),
    Skill("ml-infrastructure", "ML infrastructure", SkillCategory.OPERATIONS),
    Skill("distributed-training", "Distributed training", SkillCategory.OPERATIONS),
    Skill("explainable-ai", "Explainable AI", SkillCategory.RESPONSIBLE_AI),
    Skill("ai-ethics", "AI ethics", SkillCategory.RESPONSIBLE_AI),
    Skill("ai-safety", "AI safety", SkillCategory.RESPONSIBLE_AI),
    Skill("privacy-preserving-ml", "Privacy-preserving ML", SkillCategory.RESPONSIBLE_AI),
)

DEFAULT_SKILL_SLUGS: frozenset[str] = frozenset(skill.slug for skill in DEFAULT_SKILLS)


def is_slug(value: str) -> bool:
    """Lowercase words of letters and digits joined by single hyphens, e.g. `computer-vision`."""
    return len(value) <= 64 and _SLUG.fullmatch(value) is not None


def unknown_skills(slugs: set[str], custom: set[str]) -> set[str]:
    """The slugs that are neither in the default taxonomy nor among the organization's custom skills."""
    return slugs - DEFAULT_SKILL_SLUGS - custom
