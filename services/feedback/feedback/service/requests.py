"""Feedback requests: opening them after a completed session, at each check-in and at close-out,
and withdrawing those whose occasion went away.

Each request is unique per match, occasion and participant, so a redelivered event, a replayed
stream or two check-in scans running at once open nothing twice. Every opened request publishes
`FeedbackRequested` in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, and_, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import cadence
from feedback.config import FeedbackSettings
from feedback.forms import Question, form_for, questions_for
from feedback.matches import LIVE_MATCH, MatchParticipants
from feedback.models import MATCHES, PROGRAMS, REQUESTS
from feedback.program_settings import FeedbackRules
from feedback.queries import rules_for
from feedback.service import OUTBOX
from shared.contracts.feedback import FeedbackRequested, FeedbackRequestState, RequestKind, RequestStatus
from shared.contracts.profiles import ProgramStatus


def request_state(row: object) -> FeedbackRequestState:
    return FeedbackRequestState.model_validate(row, from_attributes=True)


async def _open(
    session: AsyncSession,
    *,
    match: MatchParticipants,
    kind: RequestKind,
    occasion: str,
    questions: list[Question],
    opened_at: datetime,
    rules: FeedbackRules,
    session_id: uuid.UUID | None = None,
) -> int:
    """Open the occasion's request for both participants (reopening a withdrawn one)."""
    opened = 0
    due_at = opened_at + timedelta(hours=rules.feedback_due_hours)
    for respondent_id, role in match.participants():
        statement = insert(REQUESTS).values(
            id=uuid.uuid4(),
            organization=match.organization,
            kind=kind.value,
            occasion=occasion,
            program_id=match.program_id,
            match_id=match.match_id,
            session_id=session_id,
            respondent_id=respondent_id,
            respondent_role=role.value,
            questions=[q.model_dump(mode="json") for q in questions_for(questions, role)],
            opened_at=opened_at,
            due_at=due_at,
            status=RequestStatus.OPEN.value,
            version=1,
        )
        # A withdrawn request (the session was marked a no-show, then completed after all)
        # opens again; an open or submitted one stays as it is.
        upsert = statement.on_conflict_do_update(
            constraint="uq_feedback_requests_occasion",
            set_={"status": RequestStatus.OPEN.value, "version": REQUESTS.c.version + 1},
            where=REQUESTS.c.status == RequestStatus.WITHDRAWN.value,
        ).returning(REQUESTS)
        row = (await session.execute(upsert)).first()
        if row is not None:
            opened += 1
            await OUTBOX.add(
                session,
                FeedbackRequested(request=request_state(row)),
                organization=match.organization,
                subject=str(row.id),
            )
    return opened


async def open_session_requests(
    session: AsyncSession,
    *,
    match: MatchParticipants,
    session_id: uuid.UUID,
    ended_at: datetime,
    settings: FeedbackSettings,
) -> int:
    """A completed session asks both participants for feedback, due a program-set time after it."""
    rules = await rules_for(session, program_id=match.program_id, settings=settings)
    questions = form_for(
        RequestKind.SESSION, checkin=rules.checkin_questions, closeout=rules.closeout_questions
    )
    return await _open(
        session,
        match=match,
        kind=RequestKind.SESSION,
        occasion=str(session_id),
        questions=questions,
        opened_at=ended_at,
        rules=rules,
        session_id=session_id,
    )


async def withdraw_requests(
    session: AsyncSession, *, match_id: uuid.UUID, kind: RequestKind, session_id: uuid.UUID | None = None
) -> int:
    """Withdraw the open requests of a session that did not take place after all, or the open
    check-ins of a match that ended."""
    conditions = [
        REQUESTS.c.match_id == match_id,
        REQUESTS.c.kind == kind.value,
        REQUESTS.c.status == RequestStatus.OPEN.value,
    ]
    if session_id is not None:
        conditions.append(REQUESTS.c.session_id == session_id)
    result = await session.execute(
        update(REQUESTS)
        .where(and_(*conditions))
        .values(status=RequestStatus.WITHDRAWN.value, version=REQUESTS.c.version + 1)
        .returning(REQUESTS.c.id)
    )
    return len(result.all())


async def open_closeout(
    session: AsyncSession, *, match: MatchParticipants, ended_at: datetime, settings: FeedbackSettings
) -> int:
    """An ended match asks both participants for the close-out survey."""
    rules = await rules_for(session, program_id=match.program_id, settings=settings)
    await withdraw_requests(session, match_id=match.match_id, kind=RequestKind.CHECKIN)
    return await _open(
        session,
        match=match,
        kind=RequestKind.CLOSEOUT,
        occasion="closeout",
        questions=list(rules.closeout_questions),
        opened_at=ended_at,
        rules=rules,
    )


async def open_due_checkins(
    session: AsyncSession, *, now: datetime, settings: FeedbackSettings, limit: int
) -> int:
    """Open the latest due check-in of every live match of an active program that lacks it.

    Periods missed while the worker was down are not opened after the fact: one current
    check-in is worth more than a backlog of stale ones.
    """
    # A pair accepted before the cohort begins starts with the cohort.
    effective_start = func.greatest(
        MATCHES.c.started_at, func.timezone("UTC", cast(PROGRAMS.c.cohort_start, DateTime))
    )
    # Whole check-in periods since the start, as the SQL twin of `cadence.checkin_period`.
    elapsed_seconds = func.extract("epoch", literal(now) - effective_start)
    period_sql = cast(func.floor(elapsed_seconds / (PROGRAMS.c.checkin_cadence_days * 86400)), Integer)
    rows = (
        await session.execute(
            select(
                MATCHES.c.organization,
                MATCHES.c.program_id,
                MATCHES.c.id,
                MATCHES.c.mentor_id,
                MATCHES.c.mentee_id,
                effective_start.label("started_at"),
                PROGRAMS.c.checkin_cadence_days,
            )
            .join(PROGRAMS, PROGRAMS.c.id == MATCHES.c.program_id)
            .where(
                MATCHES.c.status.in_(LIVE_MATCH),
                MATCHES.c.started_at.is_not(None),
                period_sql >= 1,
                PROGRAMS.c.status == ProgramStatus.ACTIVE.value,
                PROGRAMS.c.cohort_end >= now.date(),
                ~select(REQUESTS.c.id)
                .where(
                    REQUESTS.c.match_id == MATCHES.c.id,
                    REQUESTS.c.occasion == "checkin:" + cast(period_sql, String),
                )
                .exists(),
            )
            .order_by(MATCHES.c.id)
            .limit(limit)
        )
    ).all()
    opened = 0
    rules_by_program: dict[uuid.UUID, FeedbackRules] = {}
    for row in rows:
        period = cadence.checkin_period(row.started_at, now, row.checkin_cadence_days)
        if period < 1:
            continue
        rules = rules_by_program.get(row.program_id)
        if rules is None:
            rules = await rules_for(session, program_id=row.program_id, settings=settings)
            rules_by_program[row.program_id] = rules
        match = MatchParticipants(row.organization, row.program_id, row.id, row.mentor_id, row.mentee_id)
        opened += await _open(
            session,
            match=match,
            kind=RequestKind.CHECKIN,
            occasion=f"checkin:{period}",
            questions=list(rules.checkin_questions),
            opened_at=cadence.checkin_opens_at(row.started_at, period, row.checkin_cadence_days),
            rules=rules,
        )
    return opened
