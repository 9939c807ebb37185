"""Admins facilitating a pair: intervention notes only admins see, and at-risk cases worked to
resolution (owner, actions taken, outcome).

Feedback's `match.at_risk` opens a case unless the match has one open already (a partial unique
index holds that, however events and admins race), and one risk episode opens at most one case,
so a redelivered or replayed crossing changes nothing. `match.recovered` is noted on the open
case; admins decide when it is closed. Case events carry ids and the outcome code, never notes.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.feedback import MatchAtRisk, MatchRecovered
from shared.contracts.workspace import CaseClosed, CaseOpened, CaseOutcome, CaseSource
from shared.errors import Problem, not_found
from workspace.access import acting_person, admin_only, pair_access
from workspace.models import CASES, Case, CaseAction, CaseActionKind, CaseStatus, InterventionNote, Workspace
from workspace.service import OUTBOX


async def _opened(
    session: AsyncSession,
    *,
    organization: str,
    match_id: uuid.UUID,
    program_id: uuid.UUID,
    mentor_id: uuid.UUID,
    mentee_id: uuid.UUID,
    source: CaseSource,
    now: datetime,
    episode_id: uuid.UUID | None = None,
    health_score: float | None = None,
    owner_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Insert a case unless the match has an open one (or the episode already had one), with its
    `case.opened` event; the new case's id (None when none was opened)."""
    case_id = await session.scalar(
        insert(CASES)
        .values(
            id=uuid.uuid4(),
            organization=organization,
            match_id=match_id,
            program_id=program_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            source=source.value,
            episode_id=episode_id,
            health_score=health_score,
            owner_id=owner_id,
            status=CaseStatus.OPEN.value,
            opened_at=now,
            updated_at=now,
            version=1,
        )
        .on_conflict_do_nothing()
        .returning(CASES.c.id)
    )
    if case_id is None:
        return None
    event = CaseOpened(
        case_id=case_id,
        match_id=match_id,
        program_id=program_id,
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        source=source,
        episode_id=episode_id,
        opened_at=now,
    )
    await OUTBOX.add(session, event, organization=organization, subject=str(case_id))
    return case_id


async def open_case_at_risk(
    session: AsyncSession, *, organization: str, event: MatchAtRisk, now: datetime
) -> uuid.UUID | None:
    """Open a case for a match feedback found at risk, unless one is open; the new case's id."""
    return await _opened(
        session,
        organization=organization,
        match_id=event.match_id,
        program_id=event.program_id,
        mentor_id=event.mentor_id,
        mentee_id=event.mentee_id,
        source=CaseSource.AT_RISK,
        episode_id=event.episode_id,
        health_score=event.score,
        now=now,
    )


async def note_recovery(
    session: AsyncSession, *, organization: str, event: MatchRecovered, now: datetime
) -> None:
    """Note on the match's open case that its health recovered (the admins still close it)."""
    await _note_on_open_case(
        session,
        organization=organization,
        match_id=event.match_id,
        kind=CaseActionKind.HEALTH_RECOVERED,
        author_id=None,
        now=now,
    )


async def note_check_in(
    session: AsyncSession, *, organization: str, match_id: uuid.UUID, facilitator_id: uuid.UUID, now: datetime
) -> None:
    """Note on the match's open case that an admin booked a facilitated check-in with the pair
    (scheduling's three-way session), as that admin's action."""
    await _note_on_open_case(
        session,
        organization=organization,
        match_id=match_id,
        kind=CaseActionKind.THREE_WAY_CHECKIN,
        author_id=facilitator_id,
        now=now,
    )


async def _note_on_open_case(
    session: AsyncSession,
    *,
    organization: str,
    match_id: uuid.UUID,
    kind: CaseActionKind,
    author_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """An action without a note on the match's open case, if it has one (locked while added)."""
    case_id = await session.scalar(
        select(Case.id)
        .where(
            Case.organization == organization, Case.match_id == match_id, Case.status == CaseStatus.OPEN.value
        )
        .with_for_update()
    )
    if case_id is None:
        return
    await _add_action(
        session,
        case_id=case_id,
        organization=organization,
        kind=kind,
        note=None,
        author_id=author_id,
        now=now,
    )


async def open_case(
    session: AsyncSession, *, caller: Principal, match_id: uuid.UUID, now: datetime
) -> uuid.UUID:
    """An admin opens a case on a pair (409 when it has one open)."""
    workspace = await session.scalar(
        select(Workspace).where(Workspace.match_id == match_id, Workspace.organization == caller.organization)
    )
    admin_only(pair_access(caller, workspace))
    assert workspace is not None
    case_id = await _opened(
        session,
        organization=caller.organization,
        match_id=match_id,
        program_id=workspace.program_id,
        mentor_id=workspace.mentor_id,
        mentee_id=workspace.mentee_id,
        source=CaseSource.ADMIN,
        owner_id=caller.person_id,
        now=now,
    )
    if case_id is None:
        raise Problem(409, "this pair already has an open case", slug="case-already-open")
    return case_id


async def _case_for_change(
    session: AsyncSession, *, caller: Principal, case_id: uuid.UUID, if_match: str | None
) -> Case:
    case = await session.scalar(
        select(Case).where(Case.id == case_id, Case.organization == caller.organization).with_for_update()
    )
    if case is None:
        raise not_found("case")
    check_if_match(if_match, case.version)
    return case


async def assign_case(
    session: AsyncSession,
    *,
    caller: Principal,
    case_id: uuid.UUID,
    owner_id: uuid.UUID | None,
    if_match: str | None,
    now: datetime,
) -> uuid.UUID:
    """Give a case an owner (an admin of the organization), or none."""
    case = await _case_for_change(session, caller=caller, case_id=case_id, if_match=if_match)
    case.owner_id = owner_id
    case.version += 1
    case.updated_at = now
    return case.id


async def _add_action(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    organization: str,
    kind: CaseActionKind,
    note: str | None,
    author_id: uuid.UUID | None,
    now: datetime,
) -> uuid.UUID:
    action_id = uuid.uuid4()
    session.add(
        CaseAction(
            id=action_id,
            organization=organization,
            case_id=case_id,
            kind=kind.value,
            note=note,
            author_id=author_id,
            taken_at=now,
        )
    )
    await session.flush()
    await session.execute(
        update(CASES).where(CASES.c.id == case_id).values(version=CASES.c.version + 1, updated_at=now)
    )
    return action_id


async def record_action(
    session: AsyncSession,
    *,
    caller: Principal,
    case_id: uuid.UUID,
    kind: CaseActionKind,
    note: str | None,
    now: datetime,
) -> uuid.UUID:
    """Note an action taken on an open case (409 once it is closed)."""
    case = await session.scalar(
        select(Case).where(Case.id == case_id, Case.organization == caller.organization).with_for_update()
    )
    if case is None:
        raise not_found("case")
    if case.status != CaseStatus.OPEN.value:
        raise Problem(409, "this case is closed", slug="case-closed")
    return await _add_action(
        session,
        case_id=case.id,
        organization=case.organization,
        kind=kind,
        note=note,
        author_id=acting_person(caller),
        now=now,
    )


async def close_case(
    session: AsyncSession,
    *,
    caller: Principal,
    case_id: uuid.UUID,
    outcome: CaseOutcome,
    note: str | None,
    if_match: str | None,
    now: datetime,
) -> uuid.UUID:
    """Close a case with its outcome; `case.closed` carries the outcome code, never the note."""
    case = await _case_for_change(session, caller=caller, case_id=case_id, if_match=if_match)
    if case.status != CaseStatus.OPEN.value:
        raise Problem(409, "this case is already closed", slug="case-closed")
    actions = await session.scalar(select(func.count()).where(CaseAction.case_id == case.id)) or 0
    case.status = CaseStatus.CLOSED.value
    case.outcome = outcome.value
    case.outcome_note = note
    case.closed_at = now
    case.updated_at = now
    case.version += 1
    event = CaseClosed(
        case_id=case.id,
        match_id=case.match_id,
        program_id=case.program_id,
        outcome=outcome,
        actions_taken=actions,
        opened_at=case.opened_at,
        closed_at=now,
    )
    await OUTBOX.add(session, event, organization=case.organization, subject=str(case.id))
    await session.flush()
    return case.id


async def add_intervention_note(
    session: AsyncSession, *, caller: Principal, match_id: uuid.UUID, body: str, now: datetime
) -> InterventionNote:
    """An admin's note on a pair, which the pair never sees."""
    workspace = await session.scalar(
        select(Workspace).where(Workspace.match_id == match_id, Workspace.organization == caller.organization)
    )
    admin_only(pair_access(caller, workspace))
    assert workspace is not None
    note = InterventionNote(
        id=uuid.uuid4(),
        organization=caller.organization,
        match_id=match_id,
        program_id=workspace.program_id,
        author_id=acting_person(caller),
        body=body,
        created_at=now,
    )
    session.add(note)
    await session.flush()
    return note
