"""A realistic demo organization, generated (pure: no I/O, the same for the same seed and index).

People work in AI across five regions (the Americas, Europe, India, East Asia, Australia), in
their own IANA time zones and local working hours, speak their region's languages, and list AI
skills whose popularity is skewed as in real teams (many Python and PyTorch people, few in JAX or
AI safety). About a third are mentors (senior, high levels, capacity), the rest mentees (junior,
with learning interests and goals). A few directors head departments: everyone else reports to
one of them, so reporting lines exist for matching to respect.

Person `i` depends only on (seed, i), so a larger demo extends a smaller one with the same people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

PEOPLE_PER_DIRECTOR = 40
LLM_SKILLS = frozenset({"llms", "nlp", "prompt-engineering", "generative-ai"})


@dataclass(frozen=True)
class Region:
    name: str
    weight: float
    time_zones: tuple[str, ...]
    languages: tuple[tuple[str, ...], ...]  # language sets people of the region speak
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


REGIONS: tuple[Region, ...] = (
    Region(
        "Americas",
        0.32,
        (
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Los_Angeles",
            "America/Toronto",
            "America/Sao_Paulo",
            "America/Mexico_City",
            "America/Bogota",
        ),
        (("en",), ("en",), ("en", "es"), ("pt", "en"), ("es", "en")),
        (
            "Ava",
            "Liam",
            "Noah",
            "Emma",
            "Mateo",
            "Sofia",
            "Lucas",
            "Isabella",
            "Ethan",
            "Camila",
            "Diego",
            "Olivia",
            "Gabriel",
            "Valentina",
            "James",
            "Harper",
        ),
        (
            "Smith",
            "Johnson",
            "Garcia",
            "Martinez",
            "Silva",
            "Santos",
            "Brown",
            "Lopez",
            "Miller",
            "Davis",
            "Rodriguez",
            "Wilson",
            "Costa",
            "Hernandez",
        ),
    ),
    Region(
        "Europe",
        0.30,
        (
            "Europe/London",
            "Europe/Dublin",
            "Europe/Paris",
            "Europe/Berlin",
            "Europe/Madrid",
            "Europe/Amsterdam",
            "Europe/Warsaw",
            "Europe/Stockholm",
            "Europe/Lisbon",
        ),
        (("en",), ("en", "fr"), ("de", "en"), ("es", "en"), ("nl", "en"), ("pl", "en"), ("sv", "en")),
        (
            "Lena",
            "Hugo",
            "Marta",
            "Jonas",
            "Chloe",
            "Luca",
            "Elena",
            "Felix",
            "Ines",
            "Oskar",
            "Amelie",
            "Pieter",
            "Zofia",
            "Erik",
            "Clara",
            "Tomas",
        ),
        (
            "Muller",
            "Dubois",
            "Rossi",
            "Fernandez",
            "Jansen",
            "Kowalski",
            "Andersson",
            "Murphy",
            "Schmidt",
            "Moreau",
            "Novak",
            "Lindqvist",
            "Ferreira",
            "Bakker",
        ),
    ),
    Region(
        "India",
        0.18,
        ("Asia/Kolkata",),
        (("en", "hi"), ("en",), ("en", "ta"), ("en", "te"), ("en", "mr")),
        (
            "Priya",
            "Arjun",
            "Ananya",
            "Rohan",
            "Divya",
            "Vikram",
            "Kavya",
            "Aditya",
            "Meera",
            "Rahul",
            "Sneha",
            "Karthik",
        ),
        ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Rao", "Menon", "Singh", "Kulkarni"),
    ),
    Region(
        "East Asia",
        0.13,
        ("Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Taipei"),
        (("ja", "en"), ("ko", "en"), ("zh", "en"), ("en", "zh")),
        (
            "Yuki",
            "Haruto",
            "Mei",
            "Jiwoo",
            "Wei",
            "Sakura",
            "Minjun",
            "Lin",
            "Kenji",
            "Xiu",
            "Seo-yeon",
            "Hiro",
        ),
        ("Tanaka", "Kim", "Wang", "Lee", "Chen", "Sato", "Park", "Liu", "Suzuki", "Zhang", "Tan"),
    ),
    Region(
        "Australia",
        0.07,
        ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Perth"),
        (("en",),),
        ("Charlotte", "Jack", "Mia", "Oliver", "Isla", "Thomas", "Ruby", "William", "Grace", "Henry"),
        ("Taylor", "Walker", "White", "Thompson", "Clarke", "Mitchell", "Kelly", "Ryan"),
    ),
)

# Relative popularity of skills: a long tail, as in real AI teams.
SKILL_POPULARITY: dict[str, float] = {
    "python": 10.0,
    "machine-learning": 8.0,
    "pytorch": 7.0,
    "llms": 7.0,
    "deep-learning": 6.0,
    "generative-ai": 5.0,
    "nlp": 5.0,
    "sql": 4.0,
    "mlops": 4.0,
    "prompt-engineering": 4.0,
    "computer-vision": 3.5,
    "data-engineering": 3.0,
    "statistics": 3.0,
    "tensorflow": 2.0,
    "ml-infrastructure": 2.0,
    "time-series": 1.5,
    "recommender-systems": 1.5,
    "reinforcement-learning": 1.5,
    "data-visualization": 1.5,
    "distributed-training": 1.0,
    "explainable-ai": 1.0,
    "ai-ethics": 1.0,
    "speech": 0.8,
    "jax": 0.7,
    "privacy-preserving-ml": 0.5,
    "ai-safety": 0.5,
}

DEPARTMENTS = (
    "Research",
    "Applied AI",
    "Platform",
    "Data",
    "Product",
    "Infrastructure",
    "Vision",
    "Language",
)

GOALS = {
    "python": "write production-quality Python for ML services",
    "machine-learning": "frame business problems as machine learning tasks",
    "pytorch": "train and debug deep learning models in PyTorch",
    "llms": "build reliable applications on large language models",
    "deep-learning": "understand modern deep learning architectures",
    "generative-ai": "ship a generative AI feature end to end",
    "nlp": "build NLP pipelines for search and classification",
    "sql": "write efficient analytical SQL",
    "mlops": "deploy and monitor models in production",
    "prompt-engineering": "design and evaluate prompts systematically",
    "computer-vision": "train vision models for detection and segmentation",
    "data-engineering": "build robust data pipelines for training data",
    "statistics": "design experiments and read their results correctly",
    "reinforcement-learning": "apply reinforcement learning to real decisions",
    "explainable-ai": "explain model decisions to stakeholders",
    "ai-ethics": "assess the fairness and risks of an AI system",
}
CAREER_GOALS = (
    "grow into a senior engineer role",
    "prepare for a tech lead position",
    "move from software engineering into machine learning",
    "publish and present my work",
    "lead an ML project from idea to launch",
)
SPECIALIZATIONS = ("research", "applied ml", "ml platform", "data science", "llm applications", "robotics")
STYLES = ("hands_on", "discussion", "structured", "self_directed", "visual")


@dataclass(frozen=True)
class DemoPerson:
    index: int
    role: str  # "mentor" or "mentee"
    director: bool
    region: str
    body: dict[str, Any]  # POST /v1/people, without manager_id (directors are created first)

    @property
    def external_id(self) -> str:
        return str(self.body["external_id"])

    @property
    def skills(self) -> set[str]:
        return {item["skill"] for item in self.body["skills"]}

    @property
    def interests(self) -> list[str]:
        return [item["skill"] for item in self.body["learning_interests"]]


def _skewed_skills(rng: random.Random, count: int) -> list[str]:
    """`count` distinct skills drawn by popularity."""
    names, weights = list(SKILL_POPULARITY), list(SKILL_POPULARITY.values())
    chosen: list[str] = []
    while len(chosen) < count:
        pick = rng.choices(names, weights=weights)[0]
        if pick not in chosen:
            chosen.append(pick)
    return chosen


def _working_hours(rng: random.Random) -> list[dict[str, Any]]:
    """Local working hours: most people 9 to 5-ish, some early birds and late owls, a few part-time."""
    start = rng.choice((7, 8, 8, 9, 9, 9, 10, 10, 11))
    length = rng.choice((6, 7, 8, 8, 8, 9))
    days = range(5) if rng.random() > 0.15 else sorted(rng.sample(range(5), 3))
    return [
        {"weekday": day, "start": f"{start:02d}:00", "end": f"{min(start + length, 24):02d}:00"}
        for day in days
    ]


def director_rank(index: int) -> int | None:
    """The department heads: persons 0 and 1, then one in every 40 people (None: not a director)."""
    if index < 2:
        return index
    return index // PEOPLE_PER_DIRECTOR + 1 if index % PEOPLE_PER_DIRECTOR == 0 else None


def demo_person(seed: int, index: int) -> DemoPerson:
    """Person `index` of the demo."""
    rng = random.Random(f"{seed}:{index}")
    region = rng.choices(REGIONS, weights=[r.weight for r in REGIONS])[0]
    first, last = rng.choice(region.first_names), rng.choice(region.last_names)
    rank = director_rank(index)
    director = rank is not None
    mentor = director or rng.random() < 0.33
    department = DEPARTMENTS[rank % len(DEPARTMENTS)] if rank is not None else rng.choice(DEPARTMENTS)
    skills = _skewed_skills(rng, rng.randint(3, 5) if mentor else rng.randint(1, 3))
    body: dict[str, Any] = {
        "external_id": f"demo-{index:05d}",
        "email": f"{first.lower().replace('-', '')}.{last.lower()}.{index}@demo.example.com",
        "name": f"{first} {last}",
        "department": department,
        "time_zone": rng.choice(region.time_zones),
        "languages": list(rng.choice(region.languages)),
        "availability": _working_hours(rng),
        "learning_style": rng.choice(STYLES),
        "specializations": rng.sample(SPECIALIZATIONS, rng.randint(0, 2)),
    }
    if mentor:
        seniority = "director" if director else rng.choice(("senior", "senior", "staff", "principal"))
        body |= {
            "title": f"{'Head of ' + department if director else seniority.title() + ' ML engineer'}",
            "seniority": seniority,
            "years_of_experience": rng.randint(12, 25) if director else rng.randint(6, 18),
            "skills": [
                {"skill": s, "level": rng.choice((4, 4, 5, 5, 5)) if i < 2 else rng.randint(3, 5)}
                for i, s in enumerate(skills)
            ],
            "guidance": rng.sample(["technical", "career", "professional_development"], rng.randint(1, 3)),
            "mentor_capacity": rng.choice((1, 2, 2, 3)),
            "bio": f"{seniority.title()} in {department}; likes helping with {', '.join(skills[:2])}.",
        }
    else:
        interests = [s for s in _skewed_skills(rng, rng.randint(1, 3)) if s not in skills] or ["llms"]
        body |= {
            "title": rng.choice(("ML engineer", "Data scientist", "Software engineer", "Research engineer")),
            "seniority": rng.choice(("intern", "junior", "junior", "mid")),
            "years_of_experience": rng.randint(0, 5),
            "skills": [{"skill": s, "level": rng.randint(1, 3)} for s in skills],
            "learning_interests": [
                {"skill": s, "current_level": 1, "target_level": rng.choice((3, 4))} for s in interests
            ],
            "goals": [GOALS.get(interests[0], f"get good at {interests[0]}"), rng.choice(CAREER_GOALS)],
            "guidance": rng.sample(["technical", "career", "professional_development"], rng.randint(1, 2)),
            "mentor_capacity": 0,
        }
    body.setdefault("learning_interests", [])
    return DemoPerson(
        index=index, role="mentor" if mentor else "mentee", director=director, region=region.name, body=body
    )


def demo_people(seed: int, count: int) -> list[DemoPerson]:
    """The demo's `count` people."""
    return [demo_person(seed, index) for index in range(count)]


def manager_of(person: DemoPerson, directors: list[DemoPerson]) -> DemoPerson | None:
    """Everyone reports to the director of their department (directors, to no one here)."""
    if person.director:
        return None
    heads = [d for d in directors if d.body["department"] == person.body["department"]]
    return heads[0] if heads else directors[person.index % len(directors)]


def wants_llm_program(person: DemoPerson) -> bool:
    """LLM-minded people join "LLM engineering": mentors fluent in it, mentees who want to learn it."""
    if person.role == "mentor":
        return any(item["skill"] in LLM_SKILLS and item["level"] >= 4 for item in person.body["skills"])
    return bool(person.interests) and person.interests[0] in LLM_SKILLS


def programs(today: date) -> dict[str, dict[str, Any]]:
    """The demo's two programs (POST /v1/programs bodies), by name."""
    return {
        "AI onboarding": {
            "name": "AI onboarding",
            "objective": "onboarding",
            "description": "New joiners meet an experienced colleague every two weeks in their first months.",
            "matching_mode": "admin_approved",
            "cohort_start": today.isoformat(),
            "cohort_end": (today + timedelta(days=90)).isoformat(),
            "session_length_minutes": 60,
            "session_cadence": "biweekly",
            "checkin_cadence_days": 30,
            "status": "active",
        },
        "LLM engineering": {
            "name": "LLM engineering",
            "objective": "technical_skills",
            "description": "Mentees pick a mentor to build and evaluate LLM applications with, weekly.",
            "matching_mode": "mentee_choice",
            "score_weights": {"skills": 0.45, "goals": 0.2},
            "cohort_start": today.isoformat(),
            "cohort_end": (today + timedelta(days=120)).isoformat(),
            "session_length_minutes": 45,
            "session_cadence": "weekly",
            "checkin_cadence_days": 21,
            "exclude_same_department": True,
            "status": "active",
        },
    }
