"""Rounds of a peer program: everyone enrolls as `peer`, and a round pairs peers who can teach each
other within the seniority band. The round is the same draft an admin reviews and publishes as in
a one-to-one program (rounds, proposals, publishing); each proposal names its two peers as the
match's mentee and mentor, and both accept it."""

from __future__ import annotations

import time
import uuid

import anyio
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.candidates import (
    NOT_FINAL,
    enrolled,
    held_back,
    horizon_now,
    managers_of,
    pair_rules,
    policy_of,
)
from matching.candidates import skill_labels as labels_of
from matching.config import MatchingSettings
from matching.intake import criteria_of
from matching.models import Match, Program, Round, RoundProposal, RoundStatus
from matching.peers import plan_peers
from shared.auth import Principal
from shared.clock import utcnow
from shared.contracts.matching import MatchSource
from shared.contracts.profiles import EnrollmentRole


async def peers_in_progress(session: AsyncSession, program_id: uuid.UUID) -> set[uuid.UUID]:
    """Peers with a pair proposed, requested, accepted or active, on either side of it."""
    rows = await session.execute(
        select(Match.mentee_id, Match.mentor_id).where(
            Match.program_id == program_id, Match.status.in_(NOT_FINAL)
        )
    )
    return {person for row in rows for person in (row.mentee_id, row.mentor_id)}


def band_of(program: Program) -> int:
    return int(((program.format_settings or {}).get("peer") or {}).get("seniority_band", 1))


async def plan_peer_round(
    session: AsyncSession, *, caller: Principal, program: Program, settings: MatchingSettings
) -> Round:
    """A draft round of peer pairs over the program's peers without a pair in progress."""
    started = time.perf_counter()
    busy = await peers_in_progress(session, program.id)
    held = await held_back(session, program)
    peers = [
        peer
        for peer in await enrolled(session, program, EnrollmentRole.PEER)
        if peer.person_id not in busy and peer.person_id not in held.mentees
    ]
    managers = await managers_of(session, program.organization)
    rules = await pair_rules(session, program, managers=managers)
    labels = await labels_of(session, program.organization)
    policy = policy_of(program, settings)
    horizon = horizon_now(settings)
    loaded = time.perf_counter()
    plan = await anyio.to_thread.run_sync(
        lambda: plan_peers(
            peers,
            rules=rules,
            policy=policy,
            band=band_of(program),
            horizon=horizon,
            session_minutes=program.session_length_minutes,
            skill_labels=labels,
            criteria=criteria_of(program.intake_criteria),
        )
    )
    now = utcnow()
    round_ = Round(
        id=uuid.uuid4(),
        organization=program.organization,
        program_id=program.id,
        version=1,
        status=RoundStatus.DRAFT.value,
        options={"seniority_band": band_of(program)},
        stats={**plan.stats, "seconds": {"load": round(loaded - started, 3), **plan.stats["seconds"]}},
        created_by=caller.subject,
        created_at=now,
        updated_at=now,
    )
    session.add(round_)
    await session.flush()
    rows = [
        {
            "round_id": round_.id,
            "mentee_id": pair.first,
            "mentor_id": pair.second,
            "source": MatchSource.ROUND.value,
            "score": pair.score,
            "score_breakdown": pair.breakdown,
            "reasons": pair.reasons,
            "warnings": [],
            "match_id": None,
        }
        for pair in plan.pairs
    ] + [
        {
            "round_id": round_.id,
            "mentee_id": person,
            "mentor_id": None,
            "source": MatchSource.ROUND.value,
            "score": 0.0,
            "score_breakdown": {},
            "reasons": [],
            "warnings": [f"waitlisted: {reason}"],
            "match_id": None,
        }
        for person, reason in [*plan.unpaired, *held.mentees.items()]
    ]
    if rows:
        await session.execute(RoundProposal.__table__.insert(), rows)
    return round_


async def peers_of(session: AsyncSession, program: Program) -> set[uuid.UUID]:
    """The program's peers with a live enrollment (active people)."""
    return {peer.person_id for peer in await enrolled(session, program, EnrollmentRole.PEER)}


async def busy_peers(
    session: AsyncSession, program_id: uuid.UUID, *, except_round: uuid.UUID
) -> set[uuid.UUID]:
    """Peers already in a pair in progress outside this round (publishing re-checks them)."""
    rows = await session.execute(
        select(Match.mentee_id, Match.mentor_id).where(
            Match.program_id == program_id,
            Match.status.in_(NOT_FINAL),
            or_(Match.round_id.is_(None), Match.round_id != except_round),
        )
    )
    return {person for row in rows for person in (row.mentee_id, row.mentor_id)}
