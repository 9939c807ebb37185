"""Retention: an organization's policy (privacy's `PUT /v1/policy`) reaches the services holding
such records, whose periodic job deletes what is past its period; organizations without a policy
get the documented defaults."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from feedback.jobs import PERIODIC as FEEDBACK_PERIODIC
from feedback.personal_data import PERSONAL_DATA as FEEDBACK
from mentorship.platform_client import PlatformClient
from mentorship.services import names
from notifications.jobs import PERIODIC as NOTIFICATIONS_PERIODIC
from notifications.personal_data import PERSONAL_DATA as NOTIFICATIONS
from shared.db import session_factory
from shared.personal_data import RETENTION_JOB
from shared.retention import DEFAULT_POLICY
from tests.conftest import Platform, new_org, running_workers, service_client
from tests.e2e.conftest import eventually
from tests.privacy.conftest import FAST
from webhooks.jobs import PERIODIC as WEBHOOKS_PERIODIC
from workspace.jobs import PERIODIC as WORKSPACE_PERIODIC

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
async def client(platform: Platform) -> AsyncIterator[PlatformClient]:
    async with AsyncExitStack() as exits:
        clients = {name: await exits.enter_async_context(service_client(name, platform)) for name in names()}
        await exits.enter_async_context(
            running_workers(platform, "privacy", "notifications", "feedback", **FAST)
        )
        yield PlatformClient(clients, organization=new_org())


@pytest.fixture
async def engine(platform: Platform) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(platform.database_url)
    yield engine
    await engine.dispose()


async def _delivery_log(engine: AsyncEngine, organization: str, days_ago: int) -> int:
    async with engine.begin() as db:
        return int(
            await db.scalar(
                text(
                    "INSERT INTO notifications.delivery_log (delivery_id, organization, status, detail, at) "
                    "VALUES (:delivery, :organization, 'sent', 'accepted', :at) RETURNING id"
                ),
                {
                    "delivery": uuid.uuid4(),
                    "organization": organization,
                    "at": NOW - timedelta(days=days_ago),
                },
            )
        )


async def _feedback_note(engine: AsyncEngine, organization: str, days_ago: int) -> int:
    """A submitted answer with a note, `days_ago` days old; the note's id."""
    request, submission, match = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    at = NOW - timedelta(days=days_ago)
    values: dict[str, Any] = {
        "request": request,
        "submission": submission,
        "match": match,
        "program": uuid.uuid4(),
        "person": uuid.uuid4(),
        "organization": organization,
        "at": at,
    }
    async with engine.begin() as db:
        await db.execute(
            text(
                "INSERT INTO feedback.feedback_requests (id, organization, kind, occasion, program_id, "
                "match_id, respondent_id, respondent_role, questions, opened_at, due_at, status, version) "
                "VALUES (:request, :organization, 'checkin', 'checkin-1', :program, :match, :person, "
                "'mentee', '[]', :at, :at, 'submitted', 2)"
            ),
            values,
        )
        await db.execute(
            text(
                "INSERT INTO feedback.submissions (id, organization, request_id, kind, program_id, "
                "match_id, respondent_id, respondent_role, rating, scores, late, submitted_at) VALUES "
                "(:submission, :organization, :request, 'checkin', :program, :match, :person, 'mentee', 4, "
                "'{}', false, :at)"
            ),
            values,
        )
        return int(
            await db.scalar(
                text(
                    "INSERT INTO feedback.feedback_notes (organization, submission_id, author_id, "
                    "question_id, text, private) VALUES (:organization, :submission, :person, 'notes', "
                    "'what I thought', true) RETURNING id"
                ),
                values,
            )
        )


async def _left(engine: AsyncEngine, table: str, ids: list[int]) -> set[int]:
    async with engine.connect() as db:
        rows = await db.execute(text(f"SELECT id FROM {table} WHERE id = ANY(:ids)"), {"ids": ids})
        return {row.id for row in rows}


def test_each_service_holding_such_records_runs_the_retention_job() -> None:
    for periodic in (FEEDBACK_PERIODIC, NOTIFICATIONS_PERIODIC, WORKSPACE_PERIODIC, WEBHOOKS_PERIODIC):
        assert RETENTION_JOB in [job.name for job in periodic]


async def test_records_past_the_organizations_period_are_deleted_and_the_defaults_apply_elsewhere(
    client: PlatformClient, engine: AsyncEngine
) -> None:
    strict, default = client.organization, new_org()
    policy = await client.document("privacy", "GET", "/v1/policy")
    assert policy["retention"] == DEFAULT_POLICY.model_dump() and policy["version"] == 0
    retention = {**policy["retention"], "delivery_log_days": 5, "feedback_text_days": 20}
    await client.call(
        "privacy",
        "PUT",
        "/v1/policy",
        json={"retention": retention, "erase_after_days": None},
        headers={"If-Match": '"0"'},
    )

    async def heard(schema: str) -> bool:
        async with engine.connect() as db:
            found = await db.scalar(
                text(f"SELECT policy FROM {schema}.retention_policies WHERE organization = :o"), {"o": strict}
            )
        return bool(found and found["delivery_log_days"] == 5)

    for schema in ("notifications", "feedback"):
        await eventually(lambda schema=schema: heard(schema), what=f"{schema} knows the policy")

    logs = {
        (organization, days): await _delivery_log(engine, organization, days)
        for organization in (strict, default)
        for days in (3, 10, 40)
    }
    notes = {
        (organization, days): await _feedback_note(engine, organization, days)
        for organization in (strict, default)
        for days in (10, 30, 800)
    }
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        assert await NOTIFICATIONS.enforce_retention(session) >= 3
        assert await FEEDBACK.enforce_retention(session) >= 3
    async with sessions() as session, session.begin():
        await NOTIFICATIONS.enforce_retention(session)
        await FEEDBACK.enforce_retention(session)

    # The strict organization: 5 days of delivery log, 20 of feedback text; the other the defaults
    # (30 and 730 days).
    assert await _left(engine, "notifications.delivery_log", list(logs.values())) == {
        logs[(strict, 3)],
        logs[(default, 3)],
        logs[(default, 10)],
    }
    assert await _left(engine, "feedback.feedback_notes", list(notes.values())) == {
        notes[(strict, 10)],
        notes[(default, 10)],
        notes[(default, 30)],
    }
    # The ratings stay: only the text went.
    async with engine.connect() as db:
        ratings = await db.scalar(
            text("SELECT count(*) FROM feedback.submissions WHERE organization = ANY(:o)"),
            {"o": [strict, default]},
        )
    assert ratings == 6
