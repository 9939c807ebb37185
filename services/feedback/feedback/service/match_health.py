"""Watching a match's health ("relationship health"): evaluate a match, store its score,
publish risk crossings.

An evaluation locks the match's health row, so two evaluations of one match (an event handler
and the periodic scan, or two replicas) run one after the other: the second sees the first's
`at_risk` and publishes nothing. Redelivered events never reach here twice (the inbox), and a
re-evaluation that does not cross the line publishes nothing either: `MatchAtRisk` goes out
exactly once per crossing, `MatchRecovered` once per recovery, each with its deprecated twin
(`RelationshipAtRisk`, `RelationshipRecovered`) alongside until consumers have moved.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import cadence, health
from feedback.config import FeedbackSettings
from feedback.health import Evidence, Health, RiskTransition
from feedback.matches import LIVE_MATCH, is_live
from feedback.models import (
    EPISODES,
    GOAL_MILESTONES,
    GOALS,
    HEALTH,
    MATCHES,
    PROGRAMS,
    REQUESTS,
    SESSIONS,
    SNAPSHOTS,
    SUBMISSIONS,
)
from feedback.queries import rules_for
from feedback.service import OUTBOX
from feedback.service.program_weeks import add_to_week
from shared.contracts.feedback import (
    HealthComponentState,
    MatchAtRisk,
    MatchRecovered,
    RelationshipAtRisk,
    RelationshipRecovered,
    RequestKind,
    RequestStatus,
)
from shared.contracts.scheduling import SessionStatus
from shared.events import Event


async def _health_row(session: AsyncSession, *, match: Row[Any], now: datetime) -> Row[Any]:
    """The match's health row, created if missing, locked until the transaction ends."""
    await session.execute(
        insert(HEALTH)
        .values(
            match_id=match.id,
            organization=match.organization,
            program_id=match.program_id,
            score=None,
            components=[],
            reasons=[],
            at_risk=False,
            below_since=None,
            final=False,
            evaluated_at=now,
        )
        .on_conflict_do_nothing()
    )
    return (
        await session.execute(select(HEALTH).where(HEALTH.c.match_id == match.id).with_for_update())
    ).one()


async def gather_evidence(
    session: AsyncSession, *, match_id: uuid.UUID, started_at: datetime, cadence_days: int, now: datetime
) -> Evidence:
    """Everything the score looks at, over twice the look-back window (the trend looks further)."""
    since = now - 2 * health.lookback(cadence_days)
    sessions = (
        await session.execute(
            select(SESSIONS.c.start, SESSIONS.c.status).where(
                SESSIONS.c.match_id == match_id, SESSIONS.c.start >= since, SESSIONS.c.start <= now
            )
        )
    ).all()
    submissions = (
        await session.execute(
            select(
                SUBMISSIONS.c.kind,
                SUBMISSIONS.c.rating,
                SUBMISSIONS.c.mentor_rating,
                SUBMISSIONS.c.answer_score,
                SUBMISSIONS.c.submitted_at,
            ).where(SUBMISSIONS.c.match_id == match_id, SUBMISSIONS.c.submitted_at >= since)
        )
    ).all()
    requests = (
        await session.execute(
            select(REQUESTS.c.due_at, REQUESTS.c.submitted_at).where(
                REQUESTS.c.match_id == match_id,
                REQUESTS.c.due_at >= since,
                REQUESTS.c.due_at <= now,
                REQUESTS.c.status != RequestStatus.WITHDRAWN.value,
            )
        )
    ).all()
    ratings = [
        health.RatingFact(row.submitted_at, value)
        for row in submissions
        for value in (row.rating, row.mentor_rating)
        if row.kind == RequestKind.SESSION.value and value is not None
    ]
    checkins = [
        health.CheckinFact(row.submitted_at, row.answer_score)
        for row in submissions
        if row.kind == RequestKind.CHECKIN.value and row.answer_score is not None
    ]
    return Evidence(
        now=now,
        started_at=started_at,
        session_cadence_days=cadence_days,
        sessions=[health.SessionFact(row.start, SessionStatus(row.status)) for row in sessions],
        ratings=ratings,
        checkins=checkins,
        requests=[health.RequestFact(row.due_at, row.submitted_at) for row in requests],
        goals=await goal_facts(session, match_id=match_id),
    )


async def goal_facts(session: AsyncSession, *, match_id: uuid.UUID) -> list[health.GoalFact]:
    """The pair's goals (workspace's events), their progress the percent given or the share of
    milestones reached, whichever is further (a milestone may be known before its goal's event)."""
    reached = (
        select(func.count())
        .where(GOAL_MILESTONES.c.goal_id == GOALS.c.id, GOAL_MILESTONES.c.reached_at.is_not(None))
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(
                GOALS.c.status,
                GOALS.c.created_at,
                GOALS.c.target_date,
                GOALS.c.completed_on_time,
                GOALS.c.percent,
                GOALS.c.milestones_total,
                func.greatest(GOALS.c.milestones_reached, reached).label("milestones_reached"),
            ).where(GOALS.c.match_id == match_id)
        )
    ).all()
    facts = []
    for row in rows:
        shares = [row.percent / 100] if row.percent is not None else []
        if row.milestones_total:
            shares.append(min(row.milestones_reached, row.milestones_total) / row.milestones_total)
        facts.append(
            health.GoalFact(
                status=row.status,
                created_at=row.created_at,
                target_date=row.target_date,
                completed_on_time=row.completed_on_time,
                progress=max(shares) if shares else None,
            )
        )
    return facts


def _components(assessed: Health) -> list[HealthComponentState]:
    return [
        HealthComponentState(name=c.name, score=c.score, weight=c.weight, explanation=c.explanation)
        for c in assessed.components
    ]


async def evaluate_match(
    session: AsyncSession, *, match_id: uuid.UUID, now: datetime, settings: FeedbackSettings
) -> RiskTransition | None:
    """Score a live match now, store the score and its explanation, publish a crossing.
    Returns the transition, or None when the match is not (or not yet) live."""
    match = (await session.execute(select(MATCHES).where(MATCHES.c.id == match_id))).first()
    if match is None or not is_live(match.status) or match.started_at is None:
        return None
    current = await _health_row(session, match=match, now=now)
    if current.final:
        return None
    program = (
        await session.execute(
            select(PROGRAMS.c.session_cadence, PROGRAMS.c.cohort_start).where(
                PROGRAMS.c.id == match.program_id
            )
        )
    ).first()
    cadence_days = cadence.session_cadence_days(program.session_cadence if program else None)
    # A pair accepted before the cohort begins is not expected to meet before it does.
    started_at = (
        max(match.started_at, cadence.day_start(program.cohort_start)) if program else match.started_at
    )
    rules = await rules_for(session, program_id=match.program_id, settings=settings)
    evidence = await gather_evidence(
        session, match_id=match_id, started_at=started_at, cadence_days=cadence_days, now=now
    )
    assessed = health.assess(evidence)
    watch, transition = health.watch_step(
        health.Watch(at_risk=bool(current.at_risk), below_since=current.below_since),
        score=assessed.score,
        threshold=rules.at_risk_threshold,
        recovery_margin=rules.recovery_margin,
        now=now,
        confirm_after=timedelta(seconds=settings.at_risk_confirm_seconds),
    )
    reasons = assessed.reasons()
    values: dict[str, object] = {
        "score": assessed.score,
        "components": [asdict(c) for c in assessed.components],
        "reasons": reasons if watch.at_risk or watch.below_since else [],
        "threshold": rules.at_risk_threshold,
        "below_since": watch.below_since,
        "evaluated_at": now,
    }
    components = _components(assessed)
    if transition is RiskTransition.AT_RISK:
        episode_id = uuid.uuid4()
        # The episode began when the score first fell below, not when the dip was confirmed.
        at_risk_since = watch.below_since or now
        values.update(at_risk=True, episode_id=episode_id, at_risk_since=at_risk_since)
        await session.execute(
            insert(EPISODES).values(
                id=episode_id,
                organization=match.organization,
                program_id=match.program_id,
                match_id=match.id,
                started_at=at_risk_since,
                start_score=assessed.score,
                reasons=reasons,
            )
        )
        at_risk = MatchAtRisk(
            match_id=match.id,
            program_id=match.program_id,
            mentor_id=match.mentor_id,
            mentee_id=match.mentee_id,
            episode_id=episode_id,
            score=assessed.score,
            threshold=rules.at_risk_threshold,
            reasons=reasons,
            components=components,
            evaluated_at=now,
        )
        await _announce(session, match=match, crossing=at_risk)
    elif transition is RiskTransition.RECOVERED:
        episode_id = current.episode_id
        values.update(at_risk=False, episode_id=None, at_risk_since=None, reasons=[])
        await _close_episode(
            session, episode_id=episode_id, now=now, score=assessed.score, ended_by="recovered"
        )
        recovered = MatchRecovered(
            match_id=match.id,
            program_id=match.program_id,
            mentor_id=match.mentor_id,
            mentee_id=match.mentee_id,
            episode_id=episode_id,
            score=assessed.score,
            threshold=rules.at_risk_threshold,
            at_risk_since=current.at_risk_since,
            evaluated_at=now,
        )
        await _announce(session, match=match, crossing=recovered)
    await session.execute(update(HEALTH).where(HEALTH.c.match_id == match_id).values(**values))
    await _snapshot(
        session,
        organization=match.organization,
        program_id=match.program_id,
        match_id=match_id,
        now=now,
        score=assessed.score,
    )
    return transition


# The deprecated events published alongside the crossings, with the same data, until consumers
# of the old names have moved to the new ones.
_DEPRECATED_TWIN: dict[type[Event], type[Event]] = {
    MatchAtRisk: RelationshipAtRisk,
    MatchRecovered: RelationshipRecovered,
}


async def _announce(
    session: AsyncSession, *, match: Row[Any], crossing: MatchAtRisk | MatchRecovered
) -> None:
    """Publish a risk crossing of the match, and its deprecated twin alongside."""
    twin = _DEPRECATED_TWIN[type(crossing)].model_validate(dict(crossing))
    for event in (crossing, twin):
        await OUTBOX.add(session, event, organization=match.organization, subject=str(match.id))


async def _close_episode(
    session: AsyncSession, *, episode_id: uuid.UUID | None, now: datetime, score: float | None, ended_by: str
) -> None:
    if episode_id is None:
        return
    await session.execute(
        update(EPISODES)
        .where(EPISODES.c.id == episode_id, EPISODES.c.ended_at.is_(None))
        .values(ended_at=now, end_score=score, ended_by=ended_by)
    )


async def _snapshot(
    session: AsyncSession,
    *,
    organization: str,
    program_id: uuid.UUID,
    match_id: uuid.UUID,
    now: datetime,
    score: float,
) -> None:
    """Keep the match's last score of this week, and the week's health sum with it."""
    week = cadence.week_start(now)
    previous = await session.scalar(
        select(SNAPSHOTS.c.score).where(SNAPSHOTS.c.match_id == match_id, SNAPSHOTS.c.week_start == week)
    )
    statement = insert(SNAPSHOTS).values(
        match_id=match_id, week_start=week, program_id=program_id, score=score
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SNAPSHOTS.c.match_id, SNAPSHOTS.c.week_start], set_={"score": score}
        )
    )
    await add_to_week(
        session,
        organization=organization,
        program_id=program_id,
        week_start=week,
        deltas={"health_sum": score - (previous or 0.0), "health_count": 0 if previous is not None else 1},
    )


async def finalize_match(session: AsyncSession, *, match_id: uuid.UUID, now: datetime) -> None:
    """An ended match is no longer watched: its health freezes and an open risk episode closes
    (no recovery is announced: the match ended, it did not recover)."""
    match = (await session.execute(select(MATCHES).where(MATCHES.c.id == match_id))).first()
    if match is None:
        return
    row = await _health_row(session, match=match, now=now)
    if row.final:
        return
    await _close_episode(session, episode_id=row.episode_id, now=now, score=row.score, ended_by="match_ended")
    await session.execute(
        update(HEALTH)
        .where(HEALTH.c.match_id == match_id)
        .values(final=True, at_risk=False, below_since=None, episode_id=None, at_risk_since=None)
    )


async def stale_matches(
    session: AsyncSession, *, now: datetime, max_age_seconds: float, confirm_seconds: float, limit: int
) -> list[uuid.UUID]:
    """Live matches to evaluate again: never evaluated, evaluated longer than `max_age_seconds` ago,
    or below the threshold long enough for the dip to be confirmed."""
    cutoff = now - timedelta(seconds=max_age_seconds)
    confirmable = now - timedelta(seconds=confirm_seconds)
    rows = await session.execute(
        select(MATCHES.c.id)
        .outerjoin(HEALTH, HEALTH.c.match_id == MATCHES.c.id)
        .where(
            MATCHES.c.status.in_(LIVE_MATCH),
            MATCHES.c.started_at.is_not(None),
            HEALTH.c.match_id.is_(None)
            | (
                ~HEALTH.c.final
                & (
                    (HEALTH.c.evaluated_at < cutoff)
                    | (~HEALTH.c.at_risk & (HEALTH.c.below_since <= confirmable))
                )
            ),
        )
        .order_by(HEALTH.c.evaluated_at.asc().nulls_first())
        .limit(limit)
    )
    return list(rows.scalars())
