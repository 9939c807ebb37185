"""A circle's health: a 0-100 score from its members' feedback and its sessions (pure: no I/O).

A circle is healthy when its sessions take place, its members find them useful and feel part of
the group, stay in it and answer. Components (weights sum to 100; one without evidence is left out
and the others share its weight, so a young circle is not punished for what has not happened yet):

- attendance (25): sessions held among those due (a canceled session counts against it);
- ratings (25): how useful members found recent sessions (1-5);
- belonging (20): how much members feel part of the circle (1-5); the lowest member counts half,
  so one member drifting away shows even when the others are happy;
- retention (15): members still in the circle among all who joined;
- response (15): members who answered about the sessions they attended.

Members at risk are named to facilitators and admins: those who rated belonging 1 or 2 last time,
or who never answered about two sessions they attended.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

WEIGHTS: dict[str, float] = {
    "attendance": 25,
    "ratings": 25,
    "belonging": 20,
    "retention": 15,
    "response": 15,
}
AT_RISK_BELOW = 50.0
WATCH_BELOW = 70.0


@dataclass(frozen=True, slots=True)
class MemberFeedback:
    person_id: uuid.UUID
    session_id: uuid.UUID
    rating: int  # 1..5
    belonging: int  # 1..5


@dataclass(frozen=True)
class CircleEvidence:
    """What is known of one circle: its members, its sessions due so far and their feedback."""

    members_joined: int
    members_active: int
    held: int  # sessions completed
    canceled: int  # sessions canceled
    # session id -> the members who attended it (completed sessions only)
    attendees: Mapping[uuid.UUID, frozenset[uuid.UUID]] = field(default_factory=dict)
    feedback: Sequence[MemberFeedback] = ()


@dataclass(frozen=True)
class Part:
    name: str
    score: float | None
    weight: float
    explanation: str


@dataclass(frozen=True)
class CircleHealth:
    score: float | None
    level: str  # healthy, watch, at_risk, unknown
    parts: tuple[Part, ...]
    members_at_risk: tuple[uuid.UUID, ...]

    def reasons(self) -> list[str]:
        """The weak parts, the costliest first."""
        weak = [part for part in self.parts if part.score is not None and part.score < WATCH_BELOW]
        weak.sort(key=lambda part: -part.weight * (100.0 - (part.score or 0.0)))
        return [f"{part.name}: {part.explanation}" for part in weak]


def _scale(value: float) -> float:
    """1..5 to 0..100."""
    return max(0.0, min(100.0, (value - 1.0) * 25.0))


def assess(evidence: CircleEvidence) -> CircleHealth:
    """The circle's health now (see the module's docstring)."""
    parts: list[Part] = []
    due = evidence.held + evidence.canceled
    parts.append(
        Part(
            "attendance",
            100.0 * evidence.held / due if due else None,
            WEIGHTS["attendance"],
            f"{evidence.held} of {due} sessions held" if due else "no session due yet",
        )
    )
    ratings = [item.rating for item in evidence.feedback]
    parts.append(
        Part(
            "ratings",
            _scale(statistics.fmean(ratings)) if ratings else None,
            WEIGHTS["ratings"],
            f"sessions rated {statistics.fmean(ratings):.1f} of 5 on average" if ratings else "no rating yet",
        )
    )
    latest: dict[uuid.UUID, MemberFeedback] = {}
    for item in evidence.feedback:
        latest[item.person_id] = item  # feedback comes oldest first: the last one is the latest
    belonging = [item.belonging for item in latest.values()]
    belonging_score = None
    if belonging:
        belonging_score = 0.5 * _scale(statistics.fmean(belonging)) + 0.5 * _scale(min(belonging))
    parts.append(
        Part(
            "belonging",
            belonging_score,
            WEIGHTS["belonging"],
            f"members feel part of it {statistics.fmean(belonging):.1f} of 5, the lowest {min(belonging)}"
            if belonging
            else "nobody answered yet",
        )
    )
    parts.append(
        Part(
            "retention",
            100.0 * evidence.members_active / evidence.members_joined if evidence.members_joined else None,
            WEIGHTS["retention"],
            f"{evidence.members_active} of {evidence.members_joined} members still in the circle",
        )
    )
    answered = {(item.session_id, item.person_id) for item in evidence.feedback}
    owed = [(session, person) for session, people in evidence.attendees.items() for person in people]
    parts.append(
        Part(
            "response",
            100.0 * sum(pair in answered for pair in owed) / len(owed) if owed else None,
            WEIGHTS["response"],
            f"{sum(pair in answered for pair in owed)} of {len(owed)} answers about sessions attended"
            if owed
            else "no session to answer about yet",
        )
    )
    scored = [part for part in parts if part.score is not None]
    weight = sum(part.weight for part in scored)
    score = round(sum(part.weight * (part.score or 0.0) for part in scored) / weight, 1) if weight else None
    silent = {
        person
        for person in {person for _, person in owed}
        if sum(1 for session, someone in owed if someone == person and (session, person) not in answered) >= 2
    }
    unhappy = {person for person, item in latest.items() if item.belonging <= 2}
    if score is None:
        level = "unknown"
    elif score < AT_RISK_BELOW:
        level = "at_risk"
    elif score < WATCH_BELOW:
        level = "watch"
    else:
        level = "healthy"
    return CircleHealth(
        score=score,
        level=level,
        parts=tuple(parts),
        members_at_risk=tuple(sorted(unhappy | silent, key=str)),
    )
