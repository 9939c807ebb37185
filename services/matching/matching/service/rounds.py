"""Use cases of program rounds: plan a draft, let the admin edit it by hand, discard or publish it.

A round reads the program's mentees (those without a match in progress) and mentors (with their
open slots), plans the assignment in a worker thread (the event loop stays free), and stores the
draft. In automatic programs the round is published as soon as it is planned (see publishing).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict
from typing import Any

import anyio
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.candidates import (
    PoolCache,
    enrolled,
    held_back,
    horizon_now,
    managers_of,
    mentees_in_progress,
    mentor_load,
    pair_rules,
    policy_of,
    skill_labels,
)
from matching.config import MatchingSettings
from matching.intake import criteria_of
from matching.models import MentorSlots, Round, RoundProposal, RoundStatus
from matching.planning import RoundOptions, plan_round
from matching.pool import MenteeBatch
from matching.queries import program_or_404
from matching.ranking import explain_pairs
from matching.schemas import RoundCreate
from matching.scoring import Scorer
from matching.service.peer_rounds import plan_peer_round
from matching.service.publishing import publish
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.constraints import Conflict, flush_or_conflict
from shared.contracts.matching import MatchSource
from shared.contracts.profiles import EnrollmentRole, MatchingMode, ProgramFormat, ProgramStatus
from shared.errors import Problem, not_found

_CONFLICTS = {
    "uq_rounds_draft_program": Conflict(
        None, "another round of this program is a draft", slug="draft-round-exists"
    ),
}


def options_of(body: RoundCreate, settings: MatchingSettings) -> RoundOptions:
    return RoundOptions(
        candidates_per_mentee=body.candidates_per_mentee or settings.candidates_per_mentee,
        load_spread=body.load_spread if body.load_spread is not None else settings.load_spread,
        min_score=body.min_score if body.min_score is not None else settings.min_score,
    )


async def create_round(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    body: RoundCreate,
    settings: MatchingSettings,
) -> Round:
    """Plan a round over the program's unmatched mentees; published at once in automatic programs."""
    program = await program_or_404(session, caller, program_id)
    if program.format in (ProgramFormat.CIRCLE.value, ProgramFormat.FLASH.value):
        # Circles have rounds of their own; flash sessions are booked in office hours, not matched.
        raise Problem(409, f"a {program.format} program has no pair rounds", slug="wrong-program-format")
    if program.matching_mode == MatchingMode.MENTEE_CHOICE:
        raise Problem(409, "in this program mentees choose their mentors", slug="mentee-choice-program")
    if program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")
    draft = await session.scalar(
        select(Round.id).where(Round.program_id == program.id, Round.status == RoundStatus.DRAFT.value)
    )
    if draft is not None:
        raise Problem(
            409, f"round {draft} is still a draft: publish or discard it first", slug="draft-round-exists"
        )
    if program.format == ProgramFormat.PEER.value:
        round_ = await plan_peer_round(session, caller=caller, program=program, settings=settings)
        if program.matching_mode == MatchingMode.AUTOMATIC:
            await publish(session, round_, settings=settings)
        return round_
    options = options_of(body, settings)
    started = time.perf_counter()
    busy = await mentees_in_progress(session, program.id)
    mentees = [m for m in await enrolled(session, program, EnrollmentRole.MENTEE) if m.person_id not in busy]
    mentors = await enrolled(session, program, EnrollmentRole.MENTOR)
    # Readiness gates (training) are a hard filter: who they hold back is reported, not planned.
    held = await held_back(session, program)
    not_ready = [
        {"person_id": str(person.person_id), "role": role.value, "reason": reason}
        for role, people, reasons in (
            (EnrollmentRole.MENTOR, mentors, held.mentors),
            (EnrollmentRole.MENTEE, mentees, held.mentees),
        )
        for person in people
        if (reason := reasons.get(person.person_id)) is not None
    ]
    held_mentees = [(m.person_id, held.mentees[m.person_id]) for m in mentees if m.person_id in held.mentees]
    mentees = [m for m in mentees if m.person_id not in held.mentees]
    mentors = [m for m in mentors if m.person_id not in held.mentors]
    open_slots, load = await mentor_load(
        session, program, [mentor.person_id for mentor in mentors], count_open_proposals=True
    )
    managers = await managers_of(session, program.organization)
    rules = await pair_rules(session, program, managers=managers)
    labels = await skill_labels(session, program.organization)
    policy = policy_of(program, settings)
    horizon = horizon_now(settings)
    loaded = time.perf_counter()
    plan = await anyio.to_thread.run_sync(
        lambda: plan_round(
            mentees,
            mentors,
            rules=rules,
            policy=policy,
            open_slots=open_slots,
            load=load,
            horizon=horizon,
            session_minutes=program.session_length_minutes,
            options=options,
            skill_labels=labels,
            criteria=criteria_of(program.intake_criteria),
        )
    )
    planned = time.perf_counter()
    now = utcnow()
    round_ = Round(
        id=uuid.uuid4(),
        organization=program.organization,
        program_id=program.id,
        version=1,
        status=RoundStatus.DRAFT.value,
        options=asdict(options),
        stats=plan.stats,
        created_by=caller.subject,
        created_at=now,
        updated_at=now,
    )
    session.add(round_)
    await flush_or_conflict(session, _CONFLICTS)
    if plan.proposals:
        await session.execute(
            RoundProposal.__table__.insert(),
            [
                {
                    "round_id": round_.id,
                    "mentee_id": proposal.mentee_id,
                    "mentor_id": proposal.mentor_id,
                    "source": MatchSource.ROUND.value,
                    "score": proposal.score,
                    "score_breakdown": proposal.breakdown,
                    "reasons": proposal.reasons,
                    "warnings": []
                    if proposal.mentor_id
                    else ["waitlisted: no feasible mentor with an open slot"],
                    "match_id": None,
                }
                for proposal in plan.proposals
            ],
        )
    if held_mentees:
        await session.execute(
            RoundProposal.__table__.insert(),
            [
                {
                    "round_id": round_.id,
                    "mentee_id": mentee_id,
                    "mentor_id": None,
                    "source": MatchSource.ROUND.value,
                    "score": 0.0,
                    "score_breakdown": {},
                    "reasons": [],
                    "warnings": [reason],
                    "match_id": None,
                }
                for mentee_id, reason in held_mentees
            ],
        )
    seconds = {"load": round(loaded - started, 3), **plan.stats["seconds"]}
    seconds["persist"] = round(time.perf_counter() - planned, 3)
    round_.stats = {**plan.stats, "not_ready": not_ready, "seconds": seconds}
    await session.flush()
    if program.matching_mode == MatchingMode.AUTOMATIC:
        await publish(session, round_, settings=settings)
    return round_


async def _round_for_update(session: AsyncSession, caller: Principal, round_id: uuid.UUID) -> Round:
    round_ = await session.scalar(
        select(Round).where(Round.id == round_id, Round.organization == caller.organization).with_for_update()
    )
    if round_ is None:
        raise not_found("round")
    return round_


def _require_draft(round_: Round) -> None:
    if round_.status != RoundStatus.DRAFT:
        raise Problem(409, f"the round is {round_.status}; only a draft can change", slug="round-not-draft")


async def set_proposal(
    session: AsyncSession,
    *,
    caller: Principal,
    round_id: uuid.UUID,
    mentee_id: uuid.UUID,
    mentor_id: uuid.UUID,
    if_match: str | None,
    pools: PoolCache,
    settings: MatchingSettings,
) -> tuple[Round, RoundProposal]:
    """Pair a mentee of a draft round with a mentor by hand; hard-filter failures become warnings."""
    round_ = await _round_for_update(session, caller, round_id)
    _require_draft(round_)
    check_if_match(if_match, round_.version)
    proposal = await session.get(RoundProposal, (round_id, mentee_id), with_for_update=True)
    if proposal is None:
        raise not_found("mentee in this round")
    program = await program_or_404(session, caller, round_.program_id)
    cached = await pools.get(session, program, settings)
    mentor_row = cached.pool.index_of.get(mentor_id)
    if mentor_row is None:
        raise not_found("mentor enrollment in this program")
    mentees = await enrolled(session, program, EnrollmentRole.MENTEE, person_ids=[mentee_id])
    if not mentees:
        raise Problem(409, "the mentee is no longer enrolled in this program", slug="mentee-not-enrolled")
    slots = await session.get(MentorSlots, (program.id, mentor_id))
    capacity = slots.capacity if slots else 0
    _, held = await mentor_load(session, program, [mentor_id], count_open_proposals=True)
    load = int(held[0])
    in_round = await session.scalar(
        select(func.count()).where(
            RoundProposal.round_id == round_id,
            RoundProposal.mentor_id == mentor_id,
            RoundProposal.mentee_id != mentee_id,
        )
    )
    if load + int(in_round or 0) >= capacity:
        raise Problem(409, "the mentor has no open slot left in this round", slug="mentor-at-capacity")
    rules = await pair_rules(session, program, managers=cached.managers, mentee_ids=[mentee_id])
    held = await held_back(session, program, mentee_ids=[mentee_id])
    not_ready = [
        reason for reason in (held.mentees.get(mentee_id), held.mentors.get(mentor_id)) if reason is not None
    ]

    def score() -> tuple[list[str], Any]:
        pool = cached.pool
        open_slots = np.ones(pool.size, dtype=np.int32)
        scorer = Scorer(pool, MenteeBatch.build(mentees, pool, rules), cached.policy, open_slots=open_slots)
        [pair] = explain_pairs(
            scorer,
            np.asarray([0], dtype=np.intp),
            np.asarray([mentor_row], dtype=np.intp),
            skill_labels=cached.skill_labels,
        )
        return scorer.violations(0, mentor_row), pair

    violations, pair = await anyio.to_thread.run_sync(score)
    proposal.mentor_id = mentor_id
    proposal.source = MatchSource.MANUAL.value
    proposal.score = pair.score
    proposal.score_breakdown = pair.breakdown
    proposal.reasons = pair.reasons
    proposal.warnings = [
        f"paired by an admin despite: {violation}" for violation in [*violations, *not_ready]
    ]
    round_.version += 1
    round_.updated_at = utcnow()
    await session.flush()
    return round_, proposal


async def waitlist_mentee(
    session: AsyncSession,
    *,
    caller: Principal,
    round_id: uuid.UUID,
    mentee_id: uuid.UUID,
    if_match: str | None,
) -> Round:
    """Take a mentee's proposal out of a draft round (the mentee goes to the waitlist)."""
    round_ = await _round_for_update(session, caller, round_id)
    _require_draft(round_)
    check_if_match(if_match, round_.version)
    proposal = await session.get(RoundProposal, (round_id, mentee_id), with_for_update=True)
    if proposal is None:
        raise not_found("mentee in this round")
    proposal.mentor_id = None
    proposal.source = MatchSource.MANUAL.value
    proposal.score = 0.0
    proposal.score_breakdown = {}
    proposal.reasons = []
    proposal.warnings = ["waitlisted by an admin"]
    round_.version += 1
    round_.updated_at = utcnow()
    await session.flush()
    return round_


async def discard_round(
    session: AsyncSession, *, caller: Principal, round_id: uuid.UUID, if_match: str | None
) -> Round:
    round_ = await _round_for_update(session, caller, round_id)
    _require_draft(round_)
    if if_match is not None:
        check_if_match(if_match, round_.version)
    round_.status = RoundStatus.DISCARDED.value
    round_.version += 1
    round_.updated_at = utcnow()
    await session.flush()
    return round_


async def publish_round(
    session: AsyncSession,
    *,
    caller: Principal,
    round_id: uuid.UUID,
    if_match: str | None,
    settings: MatchingSettings,
) -> Round:
    """Publish a draft: each still-valid proposal becomes a proposed match with its event."""
    round_ = await _round_for_update(session, caller, round_id)
    _require_draft(round_)
    if if_match is not None:
        check_if_match(if_match, round_.version)
    await publish(session, round_, settings=settings)
    return round_
