"""Publishing a round: its proposals become proposed matches, each with its event.

Publishing re-checks every proposal against the state at that moment (people still enrolled,
pairs not excluded since, mentor slots still open): what no longer holds is skipped and counted
in the round's statistics, never published.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from matching.candidates import enrolled_ids, mentees_in_progress, mentor_load, pair_rules
from matching.config import MatchingSettings
from matching.models import Match, Round, RoundProposal, RoundStatus
from matching.queries import program_or_404
from matching.service.peer_rounds import busy_peers, peers_of
from matching.service.transitions import announce_many
from shared.auth import Principal, Role
from shared.clock import utcnow
from shared.contracts.matching import MatchStatus
from shared.contracts.profiles import EnrollmentRole, ProgramFormat, ProgramStatus
from shared.errors import Problem

# Matches are inserted with Core statements in batches of this many rows.
BATCH = 5000


async def publish(session: AsyncSession, round_: Round, *, settings: MatchingSettings) -> None:
    """Turn the draft's still-valid proposals into proposed matches, with their events, and mark
    the round published (the caller holds the round's row lock and checked it is a draft)."""
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
    busy = await mentees_in_progress(session, program.id)
    peer_program = program.format == ProgramFormat.PEER.value
    if peer_program:
        # Peers are both mentee and mentor: one pair each, on either side of it.
        mentees = await peers_of(session, program)
        remaining = {peer: 1 for peer in mentees}
        busy = await busy_peers(session, program.id, except_round=round_.id)
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
        if peer_program and proposal.mentor_id in busy:
            skipped["peer already paired"] += 1
            continue
        remaining[proposal.mentor_id] -= 1
        if peer_program:
            busy.update((proposal.mentee_id, proposal.mentor_id))
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
            format=program.format,
            created_at=now,
            updated_at=now,
        )
        created.append((proposal, match))
    # Core statements in batches: a round publishes thousands of matches at once.
    matches = [match for _, match in created]
    columns = [column.key for column in Match.__table__.columns]
    rows = [{key: getattr(match, key) for key in columns} for match in matches]
    for first in range(0, len(rows), BATCH):
        await session.execute(insert(Match), rows[first : first + BATCH])
    links = [{"r": round_.id, "m": proposal.mentee_id, "id": match.id} for proposal, match in created]
    if links:
        await session.execute(
            update(RoundProposal.__table__)
            .where(RoundProposal.round_id == bindparam("r"), RoundProposal.mentee_id == bindparam("m"))
            .values(match_id=bindparam("id")),
            links,
        )
    await announce_many(session, matches)
    round_.status = RoundStatus.PUBLISHED.value
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
