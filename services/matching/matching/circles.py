"""Forming circles: facilitators with a topic, a language and a weekly meeting time, and the
mentees who fit them best (pure: no I/O).

The problem: facilitators can each run a few circles (their capacity); mentees have topics they
want to learn (learning interests), goals, a time zone with weekly availability, and languages.
Build circles of `min_size` to `max_size` mentees and `facilitators` facilitators each, maximizing
the members' total fit, where EVERY member, facilitators included, can attend the circle's weekly
meeting time and speaks its language.

The method (`SOLVER`):

1. Circles, greedily. A circle is a lead facilitator, a topic they master, a language they speak
   and a weekly start (an hour of the UTC week) they can attend in most weeks of the horizon. The
   demand for (topic, language, start) is the number of unplaced mentees who want the topic, speak
   the language and can attend then; the circle with the most demand (times the facilitator's
   level) opens first, takes the best-fitting mentees of that demand, and the demand drops. Demand
   only ever drops, so a lazy priority queue finds each next best circle cheaply. Co-facilitators
   (when a circle has more than one) are the most expert facilitators with room who share the
   topic, language and time.
2. Members, exactly for those circles: a min-cost flow (OR-Tools) sends each mentee to at most one
   circle it is eligible for (topic, language, time), each circle taking at most `max_size`,
   maximizing total fit; circles left below `min_size` close and the flow is solved again.
3. A bound: each mentee's best fit with any facilitator at all (any topic, language and common
   time they share), the best `seats` of those summed, where `seats` is how many places all
   facilitators' capacity can offer. No set of circles can score more, so `gap_pct` = (bound -
   objective) / bound is how far from optimal the plan can at most be.

A member's fit in [0, 1] weighs: the topic (how far the lead facilitator's level reaches the
mentee's target), breadth (the mentee's other interests the facilitators know), goals (TF-IDF
similarity of the mentee's goals with the circle's facilitators and topic), time (how many weekly
starts the mentee shares with the lead facilitator: room to reschedule) and language (the circle's
language is the mentee's first). Every member is explained in words.
"""

from __future__ import annotations

import datetime as dt
import heapq
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow
from scipy import sparse

from matching.availability import SLOTS_PER_WEEK, Horizon, describe_interval, patterns
from matching.pool import MAX_LEVEL, Participant
from matching.text_similarity import TextModel, similarity_block

SOLVER = "greedy circles + min-cost flow members (OR-Tools)"
SCALE = 10_000
ANCHOR_SLOTS = 4  # weekly starts on the hour: 4 slots of 15 minutes
ANCHORS = SLOTS_PER_WEEK // ANCHOR_SLOTS  # 168
_FLEXIBLE_STARTS = 6  # sharing this many weekly starts with the lead facilitator counts as full

WEIGHTS: dict[str, float] = {"topic": 0.45, "breadth": 0.15, "goals": 0.15, "time": 0.15, "language": 0.10}


@dataclass(frozen=True)
class CircleRules:
    """A circle program's shape and the thresholds of the plan."""

    min_size: int = 4
    max_size: int = 8
    facilitators: int = 1
    session_minutes: int = 60
    min_facilitator_level: int = 3  # a facilitator masters a topic from this level
    min_weeks: int = 3  # weeks of the horizon in which a member must be free at the circle's time
    min_fit: float = 0.2
    max_rounds: int = 6  # flow solves while closing circles below min_size

    def __post_init__(self) -> None:
        if not 1 <= self.min_size <= self.max_size:
            raise ValueError("circle sizes must satisfy 1 <= min_size <= max_size")
        if self.facilitators < 1:
            raise ValueError("a circle has at least one facilitator")


@dataclass(frozen=True)
class PlannedMember:
    person_id: uuid.UUID
    role: str  # "facilitator" or "member"
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class PlannedCircle:
    topic: str
    language: str
    weekday: int  # of the meeting start, UTC, 0 = Monday
    start: str  # HH:MM UTC
    facilitators: list[PlannedMember]
    members: list[PlannedMember]

    @property
    def score(self) -> float:
        return round(float(np.mean([member.score for member in self.members])), 4) if self.members else 0.0


@dataclass(frozen=True)
class CirclePlan:
    circles: list[PlannedCircle]
    unplaced: list[tuple[uuid.UUID, str]]  # mentee, why
    stats: dict[str, Any] = field(default_factory=dict)


# --- inputs as arrays ------------------------------------------------------------------------------


@dataclass
class _People:
    """Topics, languages, weekly starts and texts of mentees (or facilitators) as arrays."""

    people: Sequence[Participant]
    levels: npt.NDArray[np.float32]  # (people, topics): target level (mentees), level (facilitators)
    current: npt.NDArray[np.float32]  # (people, topics): mentees' current level
    speaks: npt.NDArray[np.bool_]  # (people, languages)
    first_language: npt.NDArray[np.intp]  # -1: unknown
    attend: npt.NDArray[np.bool_]  # (people, ANCHORS): can attend a session starting then
    text: sparse.csr_matrix


def _attendance(people: Sequence[Participant], horizon: Horizon, rules: CircleRules) -> npt.NDArray[np.bool_]:
    """(people, ANCHORS): free for a whole session from that weekly start in >= min_weeks weeks."""
    found = patterns(
        [person.availability for person in people], horizon, session_minutes=rules.session_minutes
    )
    starts = found.starts.reshape(found.count, horizon.weeks, SLOTS_PER_WEEK)[:, :, ::ANCHOR_SLOTS]
    weeks = starts.sum(axis=1, dtype=np.int8)
    by_pattern = weeks >= min(rules.min_weeks, horizon.weeks)
    return by_pattern[found.index]


def _people(
    people: Sequence[Participant],
    *,
    topics: Mapping[str, int],
    languages: Mapping[str, int],
    horizon: Horizon,
    rules: CircleRules,
    text: TextModel,
    texts: Sequence[str],
    facilitators: bool,
) -> _People:
    count = len(people)
    levels = np.zeros((count, max(1, len(topics))), dtype=np.float32)
    current = np.zeros_like(levels)
    speaks = np.zeros((count, max(1, len(languages))), dtype=np.bool_)
    first = np.full(count, -1, dtype=np.intp)
    for row, person in enumerate(people):
        if facilitators:
            for skill, level in person.skills:
                if skill in topics and level >= rules.min_facilitator_level:
                    levels[row, topics[skill]] = min(MAX_LEVEL, level)
        else:
            for skill, now, target in person.interests:
                if skill in topics:
                    levels[row, topics[skill]] = max(1, min(MAX_LEVEL, target))
                    current[row, topics[skill]] = now or 0
        for position, language in enumerate(person.languages):
            if language in languages:
                speaks[row, languages[language]] = True
                if position == 0:
                    first[row] = languages[language]
    return _People(
        people=people,
        levels=levels,
        current=current,
        speaks=speaks,
        first_language=first,
        attend=_attendance(people, horizon, rules) if count else np.zeros((0, ANCHORS), dtype=np.bool_),
        text=text.vectors(list(texts)),
    )


def _facilitator_text(person: Participant) -> str:
    return ". ".join([person.text, *sorted(person.specializations), *(skill for skill, _ in person.skills)])


def _topic_words(topic: str) -> str:
    return topic.replace("-", " ")


# --- the plan ----------------------------------------------------------------------------------------


@dataclass
class _Open:
    lead: int
    cofacilitators: list[int]
    topic: int
    language: int
    anchor: int


def plan_circles(
    mentees: Sequence[Participant],
    facilitators: Sequence[Participant],
    *,
    capacity: npt.NDArray[np.integer],
    rules: CircleRules,
    horizon: Horizon,
    skill_labels: Mapping[str, str] | None = None,
) -> CirclePlan:
    """Circles of `mentees` led by `facilitators` (each able to run `capacity[i]` more circles)."""
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    wanted = {skill for mentee in mentees for skill, _, _ in mentee.interests}
    topic_names = sorted(
        {
            skill
            for person in facilitators
            for skill, level in person.skills
            if level >= rules.min_facilitator_level and skill in wanted
        }
    )
    topics = {name: index for index, name in enumerate(topic_names)}
    language_names = sorted({language for person in facilitators for language in person.languages})
    languages = {name: index for index, name in enumerate(language_names)}
    facilitator_texts = [_facilitator_text(person) for person in facilitators]
    text = TextModel(
        [*(mentee.text for mentee in mentees), *facilitator_texts, *map(_topic_words, topic_names)]
    )
    ment = _people(
        mentees, topics=topics, languages=languages, horizon=horizon, rules=rules, text=text,
        texts=[mentee.text for mentee in mentees], facilitators=False,
    )  # fmt: skip
    faci = _people(
        facilitators, topics=topics, languages=languages, horizon=horizon, rules=rules, text=text,
        texts=facilitator_texts, facilitators=True,
    )  # fmt: skip
    room = np.asarray(capacity, dtype=np.int64).reshape(len(facilitators)).copy()
    seconds["prepare"] = time.perf_counter() - clock

    stage = time.perf_counter()
    opened = _open_circles(ment, faci, room, rules) if topics and languages else []
    seconds["circles"] = time.perf_counter() - stage

    stage = time.perf_counter()
    topic_vectors = text.vectors([_topic_words(name) for name in topic_names]) if topic_names else None
    circle_of, fit_of, opened, flow_rounds = _assign_members(ment, faci, opened, rules, topic_vectors)
    seconds["members"] = time.perf_counter() - stage

    stage = time.perf_counter()
    seats = (int(np.asarray(capacity, dtype=np.int64).sum()) // rules.facilitators) * rules.max_size
    best = (
        _best_fits(ment, faci, topic_vectors, teams=rules.facilitators)
        if len(mentees) and len(facilitators) and topics
        else np.zeros(len(mentees), dtype=np.float32)
    )
    bound = float(np.sort(best)[::-1][:seats].sum())
    seconds["bound"] = time.perf_counter() - stage

    stage = time.perf_counter()
    circles, unplaced = _explain(
        ment, faci, opened, circle_of, fit_of, best,
        horizon=horizon, session_minutes=rules.session_minutes,
        topic_names=topic_names, language_names=language_names,
        text=text, topic_vectors=topic_vectors, labels=skill_labels or {},
    )  # fmt: skip
    seconds["explain"] = time.perf_counter() - stage
    objective = float(fit_of[circle_of >= 0].sum())
    placed = int((circle_of >= 0).sum())
    stats = {
        "solver": SOLVER,
        "mentees": len(mentees),
        "facilitators": len(facilitators),
        "circles": len(circles),
        "placed": placed,
        "unplaced": len(mentees) - placed,
        "seats": seats,
        "objective": round(objective, 3),
        "bound": round(bound, 3),
        "gap_pct": round(100.0 * (bound - objective) / bound, 2) if bound > 0 else 0.0,
        "mean_fit": round(objective / placed, 4) if placed else None,
        "flow_rounds": flow_rounds,
        "seconds": {name: round(value, 3) for name, value in seconds.items()}
        | {"total": round(time.perf_counter() - clock, 3)},
    }
    return CirclePlan(circles=circles, unplaced=unplaced, stats=stats)


def _demand(ment: _People, placed: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32]:
    """(topics, languages, ANCHORS): unplaced mentees wanting the topic, speaking the language,
    free at that weekly start."""
    wants = (ment.levels > 0) & ~placed[:, None]
    attend = ment.attend.astype(np.float32)
    out = np.zeros((ment.levels.shape[1], ment.speaks.shape[1], ANCHORS), dtype=np.float32)
    for language in range(ment.speaks.shape[1]):
        rows = (wants & ment.speaks[:, language : language + 1]).astype(np.float32)
        out[:, language, :] = rows.T @ attend
    return out


def _open_circles(
    ment: _People, faci: _People, room: npt.NDArray[np.int64], rules: CircleRules
) -> list[_Open]:
    """Stage 1: open circles greedily by demand (see the module's docstring)."""
    placed = np.zeros(len(ment.people), dtype=np.bool_)
    demand = _demand(ment, placed)
    qualified = faci.levels > 0
    wants = (ment.levels > 0).astype(np.float32)
    banned: set[tuple[int, int, int, int]] = set()

    topics_of = [np.flatnonzero(qualified[person]) for person in range(len(faci.people))]
    languages_of = [np.flatnonzero(faci.speaks[person]) for person in range(len(faci.people))]
    weight_of = [0.8 + 0.05 * faci.levels[person, topics_of[person]] for person in range(len(faci.people))]

    def best_of(person: int) -> tuple[float, int, int, int] | None:
        topics, spoken = topics_of[person], languages_of[person]
        if len(topics) == 0 or len(spoken) == 0:
            return None
        # (topics, languages, anchors) this facilitator could open, the demand they meet.
        block = demand[np.ix_(topics, spoken)] * faci.attend[person]
        for banned_person, topic, language, anchor in banned:
            if banned_person == person:
                block[topics == topic, spoken == language, anchor] = 0.0
        value = np.minimum(block, rules.max_size) * weight_of[person][:, None, None]
        value[block < rules.min_size] = 0.0
        flat = int(np.argmax(value))
        if value.flat[flat] <= 0:
            return None
        at_topic, at_language, at_anchor = (int(index) for index in np.unravel_index(flat, value.shape))
        return float(value.flat[flat]), int(topics[at_topic]), int(spoken[at_language]), at_anchor

    heap: list[tuple[float, int, int, int, int]] = []
    for person in range(len(faci.people)):
        if room[person] > 0 and (found := best_of(person)) is not None:
            heapq.heappush(heap, (-found[0], person, *found[1:]))
    opened: list[_Open] = []
    while heap:
        negative, person, topic, language, anchor = heapq.heappop(heap)
        if room[person] <= 0:
            continue
        found = best_of(person)
        if found is None:
            continue
        if found[0] < -negative - 1e-6 and heap and -heap[0][0] > found[0]:
            heapq.heappush(heap, (-found[0], person, *found[1:]))  # stale: demand dropped meanwhile
            continue
        _, topic, language, anchor = found
        partners: list[int] = []
        if rules.facilitators > 1:
            fits = (room > 0) & qualified[:, topic] & faci.speaks[:, language] & faci.attend[:, anchor]
            fits[person] = False
            order = np.flatnonzero(fits)[np.argsort(-faci.levels[fits, topic], kind="stable")]
            partners = [int(other) for other in order[: rules.facilitators - 1]]
            if len(partners) < rules.facilitators - 1:
                banned.add((person, topic, language, anchor))
                if (again := best_of(person)) is not None:
                    heapq.heappush(heap, (-again[0], person, *again[1:]))
                continue
        # The circle takes the demand it meets: its best-fitting mentees, provisionally.
        eligible = np.flatnonzero(
            ~placed & (ment.levels[:, topic] > 0) & ment.speaks[:, language] & ment.attend[:, anchor]
        )
        reach = np.minimum(faci.levels[person, topic] / ment.levels[eligible, topic], 1.0)
        chosen = eligible[np.argsort(-reach, kind="stable")[: rules.max_size]]
        placed[chosen] = True
        # Each chosen mentee no longer adds to the demand of their (topic, language, start)s.
        topic_language = (wants[chosen][:, :, None] * ment.speaks[chosen][:, None, :]).reshape(
            len(chosen), -1
        )
        demand -= (topic_language.T @ ment.attend[chosen].astype(np.float32)).reshape(demand.shape)
        opened.append(_Open(person, partners, topic, language, anchor))
        for facilitator in (person, *partners):
            room[facilitator] -= 1
        if room[person] > 0 and (again := best_of(person)) is not None:
            heapq.heappush(heap, (-again[0], person, *again[1:]))
    return opened


def _pair_fits(
    ment: _People,
    faci: _People,
    circles: Sequence[_Open],
    mentee: npt.NDArray[np.intp],
    circle: npt.NDArray[np.intp],
    topic_vectors: sparse.csr_matrix | None,
) -> dict[str, npt.NDArray[np.float32]]:
    """Components of the fit of mentees[i] in circles[circle[i]] (all eligible pairs)."""
    lead = np.asarray([item.lead for item in circles], dtype=np.intp)[circle]
    topic = np.asarray([item.topic for item in circles], dtype=np.intp)[circle]
    language = np.asarray([item.language for item in circles], dtype=np.intp)[circle]
    target = ment.levels[mentee, topic]
    topic_fit = 0.6 + 0.4 * np.minimum(faci.levels[lead, topic] / np.maximum(target, 1), 1.0)
    wants = ment.levels[mentee] > 0
    others = wants.sum(axis=1) - 1
    known = (wants & (faci.levels[lead] > 0)).sum(axis=1) - 1
    breadth = np.where(others > 0, known / np.maximum(others, 1), 0.5)
    goals_block = similarity_block(ment.text, sparse.csr_matrix(_circle_text(faci, circles, topic_vectors).T))
    goals = np.sqrt(np.clip(goals_block[mentee, circle], 0.0, 1.0))
    common = (ment.attend[mentee] & faci.attend[lead]).sum(axis=1)
    time_fit = np.minimum(common / _FLEXIBLE_STARTS, 1.0)
    language_fit = np.where(ment.first_language[mentee] == language, 1.0, 0.8)
    return {
        "topic": topic_fit.astype(np.float32),
        "breadth": breadth.astype(np.float32),
        "goals": goals.astype(np.float32),
        "time": time_fit.astype(np.float32),
        "language": language_fit.astype(np.float32),
    }


def _total(parts: Mapping[str, npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
    total = np.zeros_like(next(iter(parts.values())))
    for name, weight in WEIGHTS.items():
        total += np.float32(weight) * parts[name]
    return total


def _circle_text(
    faci: _People, circles: Sequence[_Open], topic_vectors: sparse.csr_matrix | None
) -> sparse.csr_matrix:
    """Each circle's words (unit rows): its facilitators' goals, specializations and skills, and its topic."""
    rows = [index for index, item in enumerate(circles) for _ in (item.lead, *item.cofacilitators)]
    people = [person for item in circles for person in (item.lead, *item.cofacilitators)]
    teams = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, people)), shape=(len(circles), faci.text.shape[0])
    )
    words = teams @ faci.text
    if topic_vectors is not None and len(circles):
        topics = sparse.csr_matrix(
            (
                np.ones(len(circles), dtype=np.float32),
                (np.arange(len(circles)), [item.topic for item in circles]),
            ),
            shape=(len(circles), topic_vectors.shape[0]),
        )
        words = words + topics @ topic_vectors
    words = sparse.csr_matrix(words, dtype=np.float32)
    norms = np.sqrt(np.asarray(words.multiply(words).sum(axis=1), dtype=np.float32)).ravel()
    return sparse.csr_matrix(sparse.diags(1.0 / np.maximum(norms, 1e-9)) @ words, dtype=np.float32)


def _eligible_pairs(
    ment: _People, circles: Sequence[_Open]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(mentee, circle) pairs where the mentee wants the topic, speaks the language and can attend."""
    mentees: list[npt.NDArray[np.intp]] = []
    owners: list[npt.NDArray[np.intp]] = []
    for index, item in enumerate(circles):
        rows = np.flatnonzero(
            (ment.levels[:, item.topic] > 0) & ment.speaks[:, item.language] & ment.attend[:, item.anchor]
        )
        mentees.append(rows)
        owners.append(np.full(len(rows), index, dtype=np.intp))
    if not mentees:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty.copy()
    return np.concatenate(mentees).astype(np.intp), np.concatenate(owners)


def _assign_members(
    ment: _People,
    faci: _People,
    opened: list[_Open],
    rules: CircleRules,
    topic_vectors: sparse.csr_matrix | None,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32], list[_Open], int]:
    """Stage 2: the best members for the circles (min-cost flow), closing those left too small."""
    count = len(ment.people)
    circles = list(opened)
    rounds = 0
    while True:
        rounds += 1
        circle_of = np.full(count, -1, dtype=np.intp)
        fit_of = np.zeros(count, dtype=np.float32)
        mentee, circle = _eligible_pairs(ment, circles)
        if len(mentee) == 0:
            return circle_of, fit_of, [], rounds
        fit = _total(_pair_fits(ment, faci, circles, mentee, circle, topic_vectors))
        keep = fit >= rules.min_fit
        mentee, circle, fit = mentee[keep], circle[keep], fit[keep]
        chosen = _flow(mentee, circle, fit, mentees=count, circles=len(circles), size=rules.max_size)
        circle_of[mentee[chosen]] = circle[chosen]
        fit_of[mentee[chosen]] = fit[chosen]
        sizes = np.bincount(circle_of[circle_of >= 0], minlength=len(circles))
        small = np.flatnonzero(sizes < rules.min_size)
        if len(small) == 0 or rounds >= rules.max_rounds:
            if len(small):
                # Out of rounds: the small circles close, their mentees stay unplaced.
                drop = np.isin(circle_of, small)
                circle_of[drop], fit_of[drop] = -1, 0.0
            kept = np.flatnonzero(sizes >= rules.min_size)
            renumber = np.full(len(circles), -1, dtype=np.intp)
            renumber[kept] = np.arange(len(kept))
            circle_of = np.where(circle_of >= 0, renumber[np.maximum(circle_of, 0)], -1)
            return circle_of, fit_of, [circles[index] for index in kept], rounds
        # Close the emptiest circles first, and only some at a time: their mentees may fill others.
        closing = set(small[np.argsort(sizes[small], kind="stable")][: max(1, len(small) // 2)].tolist())
        circles = [item for index, item in enumerate(circles) if index not in closing]


def _flow(
    mentee: npt.NDArray[np.intp],
    circle: npt.NDArray[np.intp],
    fit: npt.NDArray[np.float32],
    *,
    mentees: int,
    circles: int,
    size: int,
) -> npt.NDArray[np.bool_]:
    """Which pairs the min-cost flow keeps: each mentee in at most one circle, each circle at most
    `size` mentees, total fit maximal."""
    active, mentee_node = np.unique(mentee, return_inverse=True)
    nodes = len(active)
    sink = nodes + circles
    tails = np.concatenate([mentee_node, np.arange(nodes), nodes + np.arange(circles)])
    heads = np.concatenate([nodes + circle, np.full(nodes, sink), np.full(circles, sink)])
    # Costs are non-negative: SCALE - fit on a circle arc, SCALE to stay unplaced.
    costs = np.concatenate(
        [
            SCALE - np.rint(np.clip(fit, 0, 1) * SCALE).astype(np.int64),
            np.full(nodes, SCALE),
            np.zeros(circles),
        ]
    ).astype(np.int64)
    capacities = np.concatenate([np.ones(len(mentee) + nodes), np.full(circles, size)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities, costs
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:nodes] = 1
    supplies[sink] = -nodes
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("the circle members' flow is not optimal")
    return np.asarray(flow.flows(arcs[: len(mentee)]) > 0)


def _best_fits(
    ment: _People, faci: _People, topic_vectors: sparse.csr_matrix | None, *, teams: int
) -> npt.NDArray[np.float32]:
    """Each mentee's best fit with any facilitator, any shared topic, language and time (the bound)."""
    wants = ment.levels > 0
    knows = faci.levels > 0
    common_time = ment.attend.astype(np.float32) @ faci.attend.T.astype(np.float32)
    shared_language = (ment.speaks.astype(np.float32) @ faci.speaks.T.astype(np.float32)) > 0
    topic_fit = np.zeros(common_time.shape, dtype=np.float32)
    for topic in range(ment.levels.shape[1]):
        rows, columns = np.flatnonzero(wants[:, topic]), np.flatnonzero(knows[:, topic])
        if len(rows) == 0 or len(columns) == 0:
            continue
        reach = np.minimum(faci.levels[columns, topic][None, :] / ment.levels[rows, topic][:, None], 1.0)
        block = topic_fit[np.ix_(rows, columns)]
        topic_fit[np.ix_(rows, columns)] = np.maximum(block, 0.6 + 0.4 * reach)
    others = wants.sum(axis=1, keepdims=True) - 1
    known = wants.astype(np.float32) @ knows.T.astype(np.float32) - 1
    breadth = np.where(others > 0, np.clip(known, 0, None) / np.maximum(others, 1), 0.5)
    goals = _goal_bound(ment, faci, topic_vectors, team=teams > 1)
    time_fit = np.minimum(common_time / _FLEXIBLE_STARTS, 1.0)
    first = ment.first_language
    speaks_first = np.where(first[:, None] >= 0, faci.speaks[:, np.maximum(first, 0)].T, False)
    language_fit = np.where(speaks_first, 1.0, 0.8)
    total = (
        WEIGHTS["topic"] * topic_fit
        + WEIGHTS["breadth"] * breadth
        + WEIGHTS["goals"] * goals
        + WEIGHTS["time"] * time_fit
        + WEIGHTS["language"] * language_fit
    )
    feasible = (topic_fit > 0) & shared_language & (common_time > 0)
    return np.asarray(np.where(feasible, total, 0.0).max(axis=1), dtype=np.float32)


def _goal_bound(
    ment: _People, faci: _People, topic_vectors: sparse.csr_matrix | None, *, team: bool
) -> npt.NDArray[np.float32]:
    """(mentees, facilitators): the best goals fit of a circle led by the facilitator on any topic
    both share. A circle's words are the facilitator's (unit vector f) plus its topic's (t), so
    cos(m, f + t) = (m.f + m.t) / sqrt(f.f + 2 f.t + t.t), taken at its best over the shared topics.
    Co-facilitators' words are unknown here: with more than one facilitator per circle, 1."""
    wants = ment.levels > 0
    knows = faci.levels > 0
    if team or topic_vectors is None:
        return np.ones((len(ment.people), len(faci.people)), dtype=np.float32)
    mf = similarity_block(ment.text, sparse.csr_matrix(faci.text.T))
    mt = similarity_block(ment.text, sparse.csr_matrix(topic_vectors.T))
    ft = similarity_block(faci.text, sparse.csr_matrix(topic_vectors.T))
    tt = np.asarray(topic_vectors.multiply(topic_vectors).sum(axis=1), dtype=np.float32).ravel()
    ff = np.asarray(faci.text.multiply(faci.text).sum(axis=1), dtype=np.float32).ravel()
    best = np.zeros(mf.shape, dtype=np.float32)
    for topic in range(ment.levels.shape[1]):
        rows, columns = np.flatnonzero(wants[:, topic]), np.flatnonzero(knows[:, topic])
        if len(rows) == 0 or len(columns) == 0:
            continue
        norm = np.sqrt(np.maximum(ff[columns] + 2.0 * ft[columns, topic] + tt[topic], 1e-9))
        value = (mf[np.ix_(rows, columns)] + mt[rows, topic][:, None]) / norm[None, :]
        best[np.ix_(rows, columns)] = np.maximum(best[np.ix_(rows, columns)], value)
    return np.sqrt(np.clip(best, 0.0, 1.0))


# --- explanations -------------------------------------------------------------------------------------


def _label(topic: str, labels: Mapping[str, str]) -> str:
    return labels.get(topic, topic.replace("-", " "))


def _shared_terms(
    mentee_words: sparse.csr_matrix,
    circle_words: sparse.csr_matrix,
    rows: npt.NDArray[np.intp],
    circle_of: npt.NDArray[np.intp],
    text: TextModel,
    *,
    limit: int = 3,
) -> list[list[str]]:
    """The words weighing most in each placed mentee's goals fit with their circle (in bulk)."""
    if len(rows) == 0 or not text.fitted:
        return [[] for _ in rows]
    products = sparse.csr_matrix(mentee_words[rows].multiply(circle_words[circle_of[rows]]))
    found: list[list[str]] = []
    for row in range(products.shape[0]):
        start, end = products.indptr[row], products.indptr[row + 1]
        order = np.argsort(-products.data[start:end], kind="stable")[:limit]
        found.append([str(text.vocabulary[column]) for column in products.indices[start:end][order]])
    return found


def meeting_start(horizon: Horizon, anchor: int) -> dt.datetime:
    """The first meeting of a weekly start (in the horizon's first week), in UTC."""
    return horizon.start + dt.timedelta(minutes=anchor * ANCHOR_SLOTS * 15)


def _explain(
    ment: _People,
    faci: _People,
    circles: Sequence[_Open],
    circle_of: npt.NDArray[np.intp],
    fit_of: npt.NDArray[np.float32],
    best: npt.NDArray[np.float32],
    *,
    horizon: Horizon,
    session_minutes: int,
    topic_names: Sequence[str],
    language_names: Sequence[str],
    text: TextModel,
    topic_vectors: sparse.csr_matrix | None,
    labels: Mapping[str, str],
) -> tuple[list[PlannedCircle], list[tuple[uuid.UUID, str]]]:
    mentee_rows = np.flatnonzero(circle_of >= 0)
    parts = (
        _pair_fits(ment, faci, circles, mentee_rows, circle_of[mentee_rows], topic_vectors)
        if len(mentee_rows)
        else {}
    )
    position = {int(row): index for index, row in enumerate(mentee_rows)}
    terms_of = _shared_terms(
        ment.text, _circle_text(faci, circles, topic_vectors), mentee_rows, circle_of, text
    )
    described: dict[tuple[str, int], str] = {}
    members_of: dict[int, list[int]] = {}
    for placed_row in mentee_rows.tolist():
        members_of.setdefault(int(circle_of[placed_row]), []).append(placed_row)
    planned: list[PlannedCircle] = []
    for index, item in enumerate(circles):
        topic = topic_names[item.topic]
        label = _label(topic, labels)
        language = language_names[item.language]
        lead = faci.people[item.lead]
        lead_level = int(faci.levels[item.lead, item.topic])
        start = meeting_start(horizon, item.anchor)
        end = start + dt.timedelta(minutes=session_minutes)
        members = members_of.get(index, [])

        def when(
            person: Participant, start: dt.datetime = start, end: dt.datetime = end, anchor: int = item.anchor
        ) -> str:
            key = (person.time_zone, anchor)
            if key not in described:
                described[key] = describe_interval(start, end, person.time_zone)
            return described[key]

        facilitators = [
            PlannedMember(
                person_id=faci.people[facilitator].person_id,
                role="facilitator",
                score=1.0,
                reasons=[
                    f"facilitates {label} at level {int(faci.levels[facilitator, item.topic])}",
                    f"free {when(faci.people[facilitator])}, when the circle meets",
                    f"speaks {language}, the circle's language",
                    f"{len(members)} members want to learn {label}",
                ],
            )
            for facilitator in (item.lead, *item.cofacilitators)
        ]
        explained = []
        for row in members:
            person = ment.people[row]
            share = {name: float(values[position[row]]) for name, values in parts.items()}
            target = int(ment.levels[row, item.topic])
            reasons = [
                f"wants to learn {label}, the circle's topic (aims for level {target}; "
                f"{lead.name or 'the facilitator'} is level {lead_level})",
                f"free {when(person)}, when the circle meets",
            ]
            others = [
                topic_names[other]
                for other in np.flatnonzero((ment.levels[row] > 0) & (faci.levels[item.lead] > 0)).tolist()
                if other != item.topic
            ]
            if others:
                reasons.append(
                    f"also wants to learn {_label(others[0], labels)}, which the facilitator knows"
                )
            terms = terms_of[position[row]]
            if terms and share.get("goals", 0.0) > 0:
                reasons.append("goals in common with the circle: " + ", ".join(terms))
            first = person.languages[0] if person.languages else None
            reasons.append(
                f"speaks {language}, the circle's language" + (" (their first)" if first == language else "")
            )
            explained.append(
                PlannedMember(
                    person_id=person.person_id,
                    role="member",
                    score=round(float(fit_of[row]), 4),
                    reasons=reasons,
                )
            )
        explained.sort(key=lambda member: (-member.score, str(member.person_id)))
        planned.append(
            PlannedCircle(
                topic=topic,
                language=language,
                weekday=start.weekday(),
                start=start.strftime("%H:%M"),
                facilitators=facilitators,
                members=explained,
            )
        )
    unplaced = [
        (
            ment.people[row].person_id,
            "no circle with a topic, language and weekly time that fit"
            if best[row] <= 0
            else "every circle that fits was full or too small to run",
        )
        for row in np.flatnonzero(circle_of < 0).tolist()
    ]
    return planned, unplaced
