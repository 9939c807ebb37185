"""The match lifecycle as a durable periodic job: runs its passes again at once while a batch came
back full, and is registered with the interval of the settings."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from types import SimpleNamespace

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.config import MatchingSettings
from matching.jobs import PERIODIC, match_lifecycle
from shared.db import session_factory
from shared.jobs import Again, JobContext
from tests.conftest import AuthHeaders, Platform, new_org
from tests.matching.factories import ReadModel, person


def context() -> JobContext:
    return JobContext(
        id=uuid.uuid4(), name="match-lifecycle", key="", payload={}, attempt=1, stop=asyncio.Event()
    )


def test_the_lifecycle_job_runs_every_lifecycle_poll_seconds() -> None:
    [job] = PERIODIC
    assert job.name == "match-lifecycle"
    assert job.interval(MatchingSettings(lifecycle_poll_seconds=12.5)) == 12.5


async def test_a_full_batch_runs_the_job_again_until_every_started_match_is_active(
    platform: Platform,
    matching_client: httpx.AsyncClient,
    read_model: ReadModel,
    auth: AuthHeaders,
    matching_engine: AsyncEngine,
) -> None:
    org = new_org()
    mentor = person(org, skills={"pytorch": 5}, seniority="staff", capacity=2)
    mentees = [person(org, interests={"pytorch": (1, 3)}, seniority="junior") for _ in range(2)]
    state = await read_model.program_with(
        org, mentors=[mentor], mentees=mentees, mode="mentee_choice", cohort_start=dt.date.today()
    )
    match_ids = []
    for mentee in mentees:
        created = await matching_client.post(
            f"/v1/programs/{state.id}/requests",
            json={"mentor_id": str(mentor.id)},
            headers=auth(org, str(mentee.id), "mentee"),
        )
        accepted = await matching_client.post(
            f"/v1/matches/{created.json()['id']}/accept", headers=auth(org, str(mentor.id), "mentor")
        )
        assert accepted.json()["status"] == "accepted"
        match_ids.append(created.json()["id"])
    settings = MatchingSettings(
        database_url=platform.database_url, environment="test", lifecycle_batch_size=1
    )
    runtime = SimpleNamespace(settings=settings, sessions=session_factory(matching_engine))

    outcomes = [await match_lifecycle(runtime, context())]  # type: ignore[arg-type]
    while outcomes[-1] is not None:
        outcomes.append(await match_lifecycle(runtime, context()))  # type: ignore[arg-type]

    assert outcomes[0] == Again() and len(outcomes) >= 3
    admin = auth(org, "admin", "admin")
    for match_id in match_ids:
        match = (await matching_client.get(f"/v1/matches/{match_id}", headers=admin)).json()
        assert match["status"] == "active"
