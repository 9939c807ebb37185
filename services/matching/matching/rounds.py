"""Use cases of program rounds: plan a draft, let the admin edit it, publish it as proposals.

A round reads the program's mentees (those without a match in progress) and mentors (with their
open slots), plans the assignment in a worker thread (the event loop stays free), and stores the
draft. Publishing re-checks every proposal against the state at that moment (people still
enrolled, pairs not excluded since, slots still open) and creates the matches with their events.
In automatic programs the round is published as soon as it is planned.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter
from dataclasses import asdict
from typing import Any

import anyio
import numpy as np
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from matching.candidates import (
    NOT_FINAL,
    PoolCache,
    enrolled,
    enrolled_ids,
    horizon_now,
    managers_of,
    mentor_load,
    pair_rules,
    policy_of,
    skill_labels,
)
from matching.config import MatchingSettings
from matching.models import Match, MentorSlots, Round, RoundProposal
from matching.planning import RoundOptions, plan_round
from matching.pool import MenteeBatch
from matching.ranking import explain_pairs
from matching.schemas import RoundCreate
from matching.scoring import Scorer
from matching.service import program_or_404
from matching.transitions import announce_many, utcnow
from shared.auth import Principal, Role
from shared.concurrency import check_if_match
from shared.contracts.matching import MatchSource, MatchStatus
from shared.contracts.profiles import EnrollmentRole, MatchingMode, ProgramStatus
from shared.errors import Problem, not_found
from shared.pagination import decode_cursor, encode_cursor, time_ordered_page

DRAFT, PUBLISHED, DISCARDED = "draft", "published", "discarded"


def options_of(body: RoundCreate, settings: MatchingSettings) -> RoundOptions:
    return RoundOptions(
        candidates_per_mentee=body.candidates_per_mentee or settings.candidates_per_mentee,
        load_spread=body.load_spread if body.load_spread is not None else settings.load_spread,
        min_score=body.min_score if body.min_score is not None else settings.min_score,
    )


async def _mentees_in_progress(session: AsyncSession, program_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.execute(
        select(Match.mentee_id).where(Match.program_id == program_id, Match.status.in_(NOT_FINAL)).distinct()
    )
    return {row.mentee_id for row in rows}


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
    if program.matching_mode == MatchingMode.MENTEE_CHOICE:
        raise Problem(409, "in this program mentees choose their mentors", slug="mentee-choice-program")
    if program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")
    draft = await session.scalar(
        select(Round.id).where(Round.program_id == program.id, Round.status == DRAFT)
    )
    if draft is not None:
        raise Problem(
            409, f"round {draft} is still a draft: publish or discard it first", slug="draft-round-exists"
        )
    options = options_of(body, settings)
    started = time.perf_counter()
    busy = await _mentees_in_progress(session, program.id)
    mentees = [m for m in await enrolled(session, program, EnrollmentRole.MENTEE) if m.person_id not in busy]
    mentors = await enrolled(session, program, EnrollmentRole.MENTOR)
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
        )
    )
    planned = time.perf_counter()
    now = utcnow()
    round_ = Round(
        id=uuid.uuid4(),
        organization=program.organization,
        program_id=program.id,
        version=1,
        status=DRAFT,
        options=asdict(options),
        stats=plan.stats,
        created_by=caller.subject,
        created_at=now,
        updated_at=now,
    )
    session.add(round_)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "another round of this program is a draft", slug="draft-round-exists") from exc
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
    seconds = {"load": round(loaded - started, 3), **plan.stats["seconds"]}
    seconds["persist"] = round(time.perf_counter() - planned, 3)
    round_.stats = {**plan.stats, "seconds": seconds}
    await session.flush()
    if program.matching_mode == MatchingMode.AUTOMATIC:
        await _publish(session, round_, settings=settings)
    return round_


async def round_for_update(session: AsyncSession, caller: Principal, round_id: uuid.UUID) -> Round:
    round_ = await session.scalar(
        select(Round).where(Round.id == round_id, Round.organization == caller.organization).with_for_update()
    )
    if round_ is None:
        raise not_found("round")
    return round_


def _require_draft(round_: Round) -> None:
    if round_.status != DRAFT:
        raise Problem(409, f"the round is {round_.status}; only a draft can change", slug="round-not-draft")


async def get_round(session: AsyncSession, caller: Principal, round_id: uuid.UUID) -> Round:
    round_ = await session.scalar(
        select(Round).where(Round.id == round_id, Round.organization == caller.organization)
    )
    if round_ is None:
        raise not_found("round")
    return round_


async def list_rounds(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Round], str | None]:
    program = await program_or_404(session, caller, program_id)
    query = select(Round).where(Round.program_id == program.id)
    return await time_ordered_page(
        session, query, time_column=Round.created_at, id_column=Round.id, limit=limit, cursor=cursor
    )


async def list_proposals(
    session: AsyncSession,
    *,
    caller: Principal,
    round_id: uuid.UUID,
    waitlisted: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[RoundProposal], str | None]:
    await get_round(session, caller, round_id)
    query = select(RoundProposal).where(RoundProposal.round_id == round_id)
    if waitlisted is not None:
        query = query.where(
            RoundProposal.mentor_id.is_(None) if waitlisted else RoundProposal.mentor_id.is_not(None)
        )
    if cursor is not None:
        (last,) = decode_cursor(cursor, arity=1)
        try:
            query = query.where(RoundProposal.mentee_id > uuid.UUID(str(last)))
        except ValueError as exc:
            raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc
    rows = (await session.scalars(query.order_by(RoundProposal.mentee_id).limit(limit + 1))).all()
    page = list(rows[:limit])
    next_cursor = encode_cursor(str(page[-1].mentee_id)) if len(rows) > limit and page else None
    return page, next_cursor


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
    round_ = await round_for_update(session, caller, round_id)
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
    proposal.warnings = [f"paired by an admin despite: {violation}" for violation in violations]
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
    round_ = await round_for_update(session, caller, round_id)
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
    round_ = await round_for_update(session, caller, round_id)
    _require_draft(round_)
    if if_match is not None:
        check_if_match(if_match, round_.version)
    round_.status = DISCARDED
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
    round_ = await round_for_update(session, caller, round_id)
    _require_draft(round_)
    if if_match is not None:
        check_if_match(if_match, round_.version)
    await _publish(session, round_, settings=settings)
    return round_


async def _publish(session: AsyncSession, round_: Round, *, settings: MatchingSettings) -> None:
    started = time.perf_counter()
    program = await program_or_404(session, _system(round_.organization), round_.program_id)
    if program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")
    proposals = (
        await session.scalars(
            select(RoundProposal)
            .where(RoundProposal.round_id == round_.id, RoundProposal.mentor_id.is_not(None))
            .order_by(RoundProposal.score.desc(), RoundProposal.mentee_id)
        )
    ).all()
    mentees = set(await enrolled_ids(session, program, EnrollmentRole.MENTEE))
    mentors = await enrolled_ids(session, program, EnrollmentRole.MENTOR)
    open_slots, _ = await mentor_load(session, program, mentors, count_open_proposals=True)
    remaining = {mentor: int(slots) for mentor, slots in zip(mentors, open_slots, strict=True)}
    busy = await _mentees_in_progress(session, program.id)
    rules = await pair_rules(session, program, managers={})
    now = utcnow()
    expires = now + dt.timedelta(hours=settings.proposal_ttl_hours)
    skipped: Counter[str] = Counter()
    created: list[tuple[RoundProposal, Match]] = []
    for proposal in proposals:
        assert proposal.mentor_id is not None
        if proposal.mentee_id not in mentees or proposal.mentee_id in busy:
            skipped["mentee no longer available"] += 1
            continue
        if proposal.mentor_id not in remaining:
            skipped["mentor no longer available"] += 1
            continue
        if (proposal.mentee_id, proposal.mentor_id) in rules.excluded:
            skipped["pair excluded since the round was planned"] += 1
            continue
        if remaining[proposal.mentor_id] <= 0:
            skipped["mentor has no open slot left"] += 1
            continue
        remaining[proposal.mentor_id] -= 1
        match = Match(
            id=uuid.uuid4(),
            organization=round_.organization,
            version=1,
            program_id=program.id,
            mentee_id=proposal.mentee_id,
            mentor_id=proposal.mentor_id,
            status=MatchStatus.PROPOSED.value,
            source=proposal.source,
            score=proposal.score,
            score_breakdown=proposal.score_breakdown,
            reasons=proposal.reasons,
            round_id=round_.id,
            expires_at=expires,
            created_at=now,
            updated_at=now,
        )
        created.append((proposal, match))
    # Core statements in batches: a round publishes thousands of matches at once.
    matches = [match for _, match in created]
    columns = [column.key for column in Match.__table__.columns]
    rows = [{key: getattr(match, key) for key in columns} for match in matches]
    for first in range(0, len(rows), 5000):
        await session.execute(insert(Match), rows[first : first + 5000])
    links = [{"r": round_.id, "m": proposal.mentee_id, "id": match.id} for proposal, match in created]
    if links:
        await session.execute(
            update(RoundProposal.__table__)
            .where(RoundProposal.round_id == bindparam("r"), RoundProposal.mentee_id == bindparam("m"))
            .values(match_id=bindparam("id")),
            links,
        )
    await announce_many(session, matches)
    round_.status = PUBLISHED
    round_.published_at = now
    round_.updated_at = now
    round_.version += 1
    round_.stats = {
        **round_.stats,
        "published": len(created),
        "skipped": dict(skipped),
        "seconds": {**round_.stats.get("seconds", {}), "publish": round(time.perf_counter() - started, 3)},
    }
    await session.flush()


def _system(organization: str) -> Principal:
    """The round's own authority inside a use case already authorized (an admin's)."""
    return Principal(subject="matching", organization=organization, roles=frozenset({Role.ADMIN}))
