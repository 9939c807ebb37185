"""Submissions racing the consumer: every writer takes the match's health before the week's rollup,
so answering feedback while matches are activated deadlocks nowhere (and needs no retry)."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from feedback.config import FeedbackSettings
from feedback.handlers import matching_handlers
from feedback.models import PROGRAM_WEEKS
from shared.contracts.matching import MatchActivated, MatchStatus
from shared.db import create_engine, session_factory, transaction
from shared.events import CloudEvent
from tests.conftest import Platform
from tests.feedback.conftest import Cohort, Pair, answer, days_ago, now, requests_of
from tests.toolkit import eventually_value

pytestmark = pytest.mark.usefixtures("feedback_worker")

PAIRS = 10
ROUNDS = 3


def transaction_retries() -> float:
    return sum(
        REGISTRY.get_sample_value("transaction_retries_total", {"sqlstate": state}) or 0.0
        for state in ("40P01", "40001")
    )


async def test_answers_racing_match_activations_never_deadlock(
    feedback_client: httpx.AsyncClient, cohort: Cohort, platform: Platform
) -> None:
    await cohort.program()
    pairs = [cohort.pair() for _ in range(PAIRS)]
    for pair in pairs:
        await pair.accept(started=days_ago(30))
        await pair.session(start=days_ago(1))
    requests = await eventually_value(
        lambda: requests_of(feedback_client, cohort.admin), lambda found: len(found) == 2 * PAIRS
    )
    await cohort.bus.settled()
    respondents = {pair.mentor_id: pair.mentor for pair in pairs} | {
        pair.mentee_id: pair.mentee for pair in pairs
    }
    mentees = {pair.mentee_id for pair in pairs}

    # The consumer applies a batch of events in one transaction, one match after another: the
    # batches below do the same, through feedback's own handlers, as one consumer would.
    handle = matching_handlers(FeedbackSettings()).get(MatchActivated.event_type.name)
    assert handle is not None
    engine = create_engine(platform.database_url, pool_size=4)
    sessions = session_factory(engine)

    def activated(pair: Pair, moment: datetime) -> tuple[CloudEvent, MatchActivated]:
        event = MatchActivated(match=pair._state(MatchStatus.ACTIVE, moment))
        return CloudEvent.wrap(event, organization=cohort.organization, subject=str(pair.match_id)), event

    async def consume() -> None:
        for _ in range(ROUNDS):
            batch = [activated(pair, now()) for pair in random.sample(pairs, len(pairs))]
            async with transaction(sessions) as session:
                for envelope, event in batch:
                    await handle(session, envelope, event)

    async def submit(request: dict[str, Any]) -> httpx.Response:
        respondent = request["respondent_id"]
        headers = respondents[next(key for key in respondents if str(key) == respondent)]
        answers = (
            {"rating": 4, "mentor_rating": 5} if respondent in {str(m) for m in mentees} else {"rating": 3}
        )
        return await answer(feedback_client, request, headers, answers)

    retries_before = transaction_retries()
    try:
        consumed, *answered = await asyncio.wait_for(
            asyncio.gather(consume(), *(submit(request) for request in requests), return_exceptions=True),
            timeout=60,
        )
        async with sessions() as session:
            week = (
                await session.execute(
                    select(PROGRAM_WEEKS.c.submissions, PROGRAM_WEEKS.c.health_count).where(
                        PROGRAM_WEEKS.c.program_id == cohort.program_id
                    )
                )
            ).all()
    finally:
        await engine.dispose()

    assert consumed is None, f"a consumer batch failed: {consumed!r}"  # a deadlock victim raises here
    failures = [outcome for outcome in answered if not isinstance(outcome, httpx.Response)]
    assert not failures, failures
    assert [response.status_code for response in answered] == [201] * len(requests)  # type: ignore[union-attr]
    assert transaction_retries() == retries_before, "a submission was a deadlock victim and ran again"
    # The rollup written at commit still counts every answer once.
    assert sum(row.submissions for row in week) == 2 * PAIRS
