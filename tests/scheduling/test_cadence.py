"""The program's meeting cadence: which matches missed it, and what is proposed after a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.contracts.profiles import SessionCadence
from tests.conftest import AuthHeaders, new_org
from tests.scheduling.world import act, book, make_pair, next_hour


async def missed_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    response = await client.get("/v1/matches", params={"cadence": "missed"}, headers=headers)
    assert response.status_code == 200, response.text
    assert {item["cadence_status"] for item in response.json()["items"]} <= {"missed"}
    return {item["id"] for item in response.json()["items"]}


async def test_matches_that_did_not_meet_within_their_cadence_are_listed_as_missed(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    organization = new_org()
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    silent = await make_pair(scheduling_db, auth, organization=organization, accepted_at=ten_days_ago)
    booked_ahead = await make_pair(scheduling_db, auth, organization=organization, accepted_at=ten_days_ago)
    await book(scheduling_client, booked_ahead, next_hour())
    fresh = await make_pair(scheduling_db, auth, organization=organization)
    monthly = await make_pair(
        scheduling_db,
        auth,
        organization=organization,
        accepted_at=ten_days_ago,
        cadence=SessionCadence.MONTHLY,
    )

    assert await missed_ids(scheduling_client, silent.as_admin) == {str(silent.id)}
    assert await missed_ids(scheduling_client, silent.as_mentee) == {str(silent.id)}
    assert await missed_ids(scheduling_client, booked_ahead.as_mentee) == set()
    everyone = await scheduling_client.get("/v1/matches", headers=silent.as_admin)
    status = {item["id"]: item["cadence_status"] for item in everyone.json()["items"]}
    assert status == {
        str(silent.id): "missed",
        str(booked_ahead.id): "on_track",
        str(fresh.id): "on_track",
        str(monthly.id): "on_track",
    }
    silent_view = next(item for item in everyone.json()["items"] if item["id"] == str(silent.id))
    assert silent_view["next_due_at"] == (ten_days_ago + timedelta(days=7)).isoformat().replace("+00:00", "Z")


async def test_a_pair_that_met_falls_behind_only_a_cadence_and_a_grace_period_later(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth, cadence=SessionCadence.BIWEEKLY)
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    with time_machine.travel(start + timedelta(hours=1), tick=True):
        await act(scheduling_client, session, "complete", pair.as_mentor)
    with time_machine.travel(start + timedelta(days=15), tick=True):
        assert await missed_ids(scheduling_client, pair.as_admin) == set()  # within the 2-day grace
        match = (await scheduling_client.get(f"/v1/matches/{pair.id}", headers=pair.as_mentee)).json()
        assert match["last_session_at"] == session["start"]
        assert match["proposed_next"]["due_at"] == match["next_due_at"]
    with time_machine.travel(start + timedelta(days=17), tick=True):
        assert await missed_ids(scheduling_client, pair.as_admin) == {str(pair.id)}


async def test_match_lists_page_and_filter(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    organization = new_org()
    pairs = [await make_pair(scheduling_db, auth, organization=organization) for _ in range(3)]
    await pairs[0].end()
    admin = pairs[0].as_admin
    first = await scheduling_client.get("/v1/matches", params={"limit": 2}, headers=admin)
    rest = await scheduling_client.get(
        "/v1/matches", params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=admin
    )
    assert len(first.json()["items"]) + len(rest.json()["items"]) == 3
    active = await scheduling_client.get("/v1/matches", params={"status": "active"}, headers=admin)
    assert {item["id"] for item in active.json()["items"]} == {str(pairs[1].id), str(pairs[2].id)}
