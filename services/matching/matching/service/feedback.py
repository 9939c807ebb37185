"""Use case of ratings from the feedback service: each kept with the score its match had, so
weights can later be calibrated against outcomes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from matching.models import Match, MatchFeedback
from shared.contracts.feedback import ParticipantRole, RequestKind, SubmissionState


async def record_rating(session: AsyncSession, submission: SubmissionState) -> None:
    """Keep a rating with the match's score breakdown (submissions never change: first one wins)."""
    match = await session.scalar(
        select(Match).where(Match.id == submission.match_id, Match.organization == submission.organization)
    )
    statement = insert(MatchFeedback).values(
        submission_id=submission.id,
        organization=submission.organization,
        program_id=submission.program_id,
        match_id=submission.match_id,
        kind=RequestKind(submission.kind).value,
        respondent_role=ParticipantRole(submission.respondent_role).value,
        rating=submission.rating,
        mentor_rating=submission.mentor_rating,
        goal_progress=submission.goal_progress,
        nps=submission.nps,
        scores=dict(submission.scores),
        match_score=match.score if match is not None else None,
        score_breakdown=match.score_breakdown if match is not None else None,
        submitted_at=submission.submitted_at,
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=[MatchFeedback.submission_id]))
