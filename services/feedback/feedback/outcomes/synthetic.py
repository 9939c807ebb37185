"""A synthetic organization whose people leave, get promoted, move and grow at known rates, with
mentees whose rates differ by known factors from their start: the ground truth the estimators
are tested against, and the people of the outcomes benchmark.

Pure code (no I/O, a seeded generator). Events are Poisson processes: a person leaves at a
yearly hazard that depends on their department (so departments confound a naive comparison), and
is promoted, moves and raises a skill at yearly hazards; from a participant's start, each hazard is
multiplied by its effect. With constant hazards, the chance of an event within H days is
1 - exp(-rate * H / 365) whenever the window starts, which is what `expected_share` gives.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field

from feedback.outcomes.careers import ProfileVersion
from shared.contracts.profiles import Seniority

DEPARTMENTS = ("research", "platform", "applied-ml", "data", "product", "mlops", "security", "sales")
REGIONS = ("Europe", "America", "Asia", "Africa", "Australia")
SKILLS = ("python", "pytorch", "nlp", "computer-vision", "mlops", "rl", "xai", "ai-ethics")
LADDER = tuple(Seniority)[1:]  # junior ... executive


@dataclass(frozen=True)
class Rates:
    """Yearly hazards of the base population, and the participants' multipliers from their start."""

    # Leaving, per department (in DEPARTMENTS order, cycled).
    leave: tuple[float, ...] = (0.10, 0.15, 0.20, 0.25, 0.30, 0.12, 0.18, 0.35)
    promotion: float = 0.15
    move: float = 0.05
    skill: float = 0.40
    leave_effect: float = 1.0
    promotion_effect: float = 1.0
    move_effect: float = 1.0
    skill_effect: float = 1.0
    # Participants come more from low-turnover departments (a confounder the matching must remove).
    participation_by_department: tuple[float, ...] = (3.0, 2.0, 1.5, 1.0, 0.7, 2.5, 1.0, 0.5)

    def leave_rate(self, department: int) -> float:
        return self.leave[department % len(self.leave)]


def expected_share(rate: float, days: int) -> float:
    """The chance of at least one event of a Poisson process of yearly `rate` within `days`."""
    return 1 - math.exp(-rate * days / 365)


@dataclass
class SyntheticOrganization:
    versions: list[ProfileVersion]
    people: list[uuid.UUID]
    departments: list[int]  # each person's department (index into DEPARTMENTS) when they joined
    participants: list[tuple[uuid.UUID, int]] = field(default_factory=list)  # (person, start day)
    rates: Rates = field(default_factory=Rates)


def synthetic_organization(
    *,
    people: int,
    participants: int,
    as_of_day: int,
    rates: Rates,
    seed: int,
    starts: tuple[int, int] | None = None,
    history_years: float = 6.0,
) -> SyntheticOrganization:
    """`people` people who joined over the `history_years` before `as_of_day`, `participants` of
    them mentees starting between `starts` (days; default: 730 to 400 days before `as_of_day`)."""
    rng = random.Random(seed)
    first_start, last_start = starts or (as_of_day - 730, as_of_day - 400)
    weights = [
        rates.participation_by_department[d % len(rates.participation_by_department)]
        for d in range(len(DEPARTMENTS))
    ]
    departments = [rng.randrange(len(DEPARTMENTS)) for _ in range(people)]
    joined = [as_of_day - rng.randrange(int(1.2 * 365), int(history_years * 365)) for _ in range(people)]
    # Participants drawn among those who joined before the first start, weighted by department
    # (Efraimidis-Spirakis keys: a weighted sample without replacement).
    eligible = [person for person in range(people) if joined[person] < first_start]
    keyed = sorted(
        eligible, key=lambda person: rng.random() ** (1 / weights[departments[person]]), reverse=True
    )
    start_of = {person: rng.randint(first_start, last_start) for person in keyed[:participants]}
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(people)]
    versions: list[ProfileVersion] = []
    for person in range(people):
        versions += _career(
            rng, ids[person], departments[person], joined[person], start_of.get(person), as_of_day, rates
        )
    return SyntheticOrganization(
        versions=versions,
        people=ids,
        departments=departments,
        participants=[(ids[person], start) for person, start in start_of.items()],
        rates=rates,
    )


def _events(
    rng: random.Random, rate: float, effect: float, begin: int, start: int | None, end: int
) -> list[int]:
    """Days of a Poisson process of yearly `rate` over (begin, end], times `effect` from `start`."""
    days: list[int] = []
    pieces = (
        [(begin, end, rate)]
        if start is None
        else [(begin, min(start, end), rate), (start, end, rate * effect)]
    )
    for low, high, piece_rate in pieces:
        if high <= low or piece_rate <= 0:
            continue
        moment = float(low)
        while True:
            moment += rng.expovariate(piece_rate / 365)
            if moment >= high:
                break
            days.append(int(moment) + 1)
    return days


def _career(
    rng: random.Random,
    person: uuid.UUID,
    department: int,
    joined: int,
    start: int | None,
    as_of: int,
    rates: Rates,
) -> list[ProfileVersion]:
    leave = _events(rng, rates.leave_rate(department), rates.leave_effect, joined, start, as_of)
    left = leave[0] if leave else None
    end = left if left is not None else as_of
    changes = sorted(
        [
            (day, "promote")
            for day in _events(rng, rates.promotion, rates.promotion_effect, joined, start, end)
        ]
        + [(day, "move") for day in _events(rng, rates.move, rates.move_effect, joined, start, end)]
        + [(day, "skill") for day in _events(rng, rates.skill, rates.skill_effect, joined, start, end)]
    )
    rung = rng.randrange(2)
    skills = {skill: rng.randint(1, 3) for skill in rng.sample(SKILLS, 3)}
    region = REGIONS[rng.randrange(len(REGIONS))]
    department_name, active = DEPARTMENTS[department], True
    versions: list[ProfileVersion] = []

    def add_version(day: int) -> None:
        versions.append(
            ProfileVersion(
                person_id=person,
                version=len(versions) + 1,
                day=day,
                joined_day=joined,
                active=active,
                department=department_name,
                seniority=LADDER[min(rung, len(LADDER) - 1)].value,
                region=region,
                skills=dict(skills),
            )
        )

    add_version(joined)
    for day, kind in changes:
        if kind == "promote":
            rung += 1
        elif kind == "move":
            others = [name for name in DEPARTMENTS if name != department_name]
            department_name = others[rng.randrange(len(others))]
        else:
            skill = sorted(skills)[rng.randrange(len(skills))]
            skills[skill] += 1
        add_version(day)
    if left is not None:
        active = False
        add_version(left)
    return versions
