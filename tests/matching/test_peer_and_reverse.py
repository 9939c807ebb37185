"""Peer and reverse mentoring: peers (all enrolled as `peer`) pair within their seniority band when
each can teach the other, with reasons both ways; in reverse mentoring the junior person is the
mentor, the seniority component inverts and the reasons say so."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.availability import Horizon
from matching.peers import plan_peers, teachable, within_band
from matching.pool import PairRules
from matching.scoring import ScoringPolicy
from shared.contracts.profiles import (
    EnrollmentCreated,
    FormatSettings,
    PersonCreated,
    PersonState,
    ProgramCreated,
    ProgramFormat,
    ProgramState,
)
from tests.conftest import AuthHeaders, new_org
from tests.matching.factories import ReadModel, enrollment, person, program
from tests.matching.test_circles import someone


async def format_program(
    read_model: ReadModel,
    org: str,
    program_format: ProgramFormat,
    enrolled: list[tuple[PersonState, str]],
    settings: dict[str, Any] | None = None,
) -> ProgramState:
    state = program(org).model_copy(
        update={"format": program_format, "format_settings": FormatSettings.model_validate(settings or {})}
    )
    events: list[Any] = [ProgramCreated(program=state)]
    events += [PersonCreated(person=someone) for someone, _ in enrolled]
    events += [
        EnrollmentCreated(enrollment=enrollment(org, state.id, someone.id, role))
        for someone, role in enrolled
    ]
    await read_model.apply(*events)
    return state


async def round_proposals(
    client: httpx.AsyncClient, program_id: object, admin: dict[str, str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    created = await client.post(f"/v1/programs/{program_id}/rounds", json={}, headers=admin)
    assert created.status_code == 201, created.text
    listed = await client.get(f"/v1/rounds/{created.json()['id']}/proposals", headers=admin)
    return created.json(), list(listed.json()["items"])


def test_peers_teach_each_other_within_their_band() -> None:
    ada = someone(name="Ada", skills=(("pytorch", 5),), interests=(("nlp", 1, 3),))
    bo = someone(name="Bo", skills=(("nlp", 4),), interests=(("pytorch", 2, 4),))
    cy = someone(name="Cy", skills=(("nlp", 5),), interests=(("sql", 1, 3),))
    assert teachable(ada, bo) == [("pytorch", 5, 4)] and teachable(bo, ada) == [("nlp", 4, 3)]
    assert teachable(cy, ada) and not teachable(ada, cy)  # Ada cannot teach Cy anything Cy wants
    senior = someone(skills=(("sql", 5),))
    assert within_band(ada, bo, 0)

    plan = plan_peers(
        [ada, bo, cy, senior],
        rules=PairRules(),
        policy=ScoringPolicy(seniority_direction="either", seniority_band=(0, 1)),
        band=1,
        horizon=Horizon.after(dt.datetime(2026, 11, 2, tzinfo=dt.UTC)),
        session_minutes=60,
    )

    [pair] = plan.pairs
    assert {pair.first, pair.second} == {ada.person_id, bo.person_id}
    assert "Ada teaches Bo pytorch (level 5; Bo aims for 4)" in pair.reasons
    assert "Bo teaches Ada nlp (level 4; Ada aims for 3)" in pair.reasons
    assert {person for person, _ in plan.unpaired} == {cy.person_id, senior.person_id}
    assert plan.stats["objective"] <= plan.stats["bound"] + 1e-6 and plan.stats["solver"].startswith("CP-SAT")


async def test_a_peer_round_pairs_peers_who_both_accept_and_both_hold_a_slot(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    ada = person(org, name="Ada", skills={"pytorch": 5}, interests={"nlp": (1, 3)}, seniority="mid")
    bo = person(org, name="Bo", skills={"nlp": 4}, interests={"pytorch": (2, 4)}, seniority="senior")
    far = person(org, name="Di", skills={"nlp": 5}, interests={"pytorch": (1, 3)}, seniority="executive")
    state = await format_program(
        read_model,
        org,
        ProgramFormat.PEER,
        [(ada, "peer"), (bo, "peer"), (far, "peer")],
        {"peer": {"seniority_band": 1}, "seniority_direction": "either"},
    )
    admin = auth(org, "admin", "admin")

    round_, proposals = await round_proposals(matching_client, state.id, admin)

    assert round_["stats"]["format"] == "peer" and round_["stats"]["pairs"] == 1
    paired = next(item for item in proposals if item["mentor_id"] is not None)
    assert {paired["mentee_id"], paired["mentor_id"]} == {str(ada.id), str(bo.id)}
    assert any(reason.startswith("Ada teaches Bo pytorch") for reason in paired["reasons"])
    assert any(reason.startswith("Bo teaches Ada nlp") for reason in paired["reasons"])
    waiting = next(item for item in proposals if item["mentor_id"] is None)
    assert waiting["mentee_id"] == str(far.id) and "seniority band" in waiting["warnings"][0]

    published = await matching_client.post(f"/v1/rounds/{round_['id']}/publish", headers=admin)
    assert published.status_code == 200, published.text
    [match] = (
        await matching_client.get("/v1/matches", params={"program_id": str(state.id)}, headers=admin)
    ).json()["items"]
    assert match["format"] == "peer" and match["status"] == "proposed"
    for peer in (ada, bo):
        answered = await matching_client.post(
            f"/v1/matches/{match['id']}/accept", headers=auth(org, str(peer.id), "mentee")
        )
        assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "accepted"
    async with matching_engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT mentor_id, used FROM matching.mentor_slots WHERE program_id = :p"), {"p": state.id}
        )
        used = {row.mentor_id: row.used for row in rows}
    assert used[ada.id] == 1 and used[bo.id] == 1 and used[far.id] == 0


async def test_in_reverse_mentoring_the_junior_mentor_scores_and_is_explained(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    junior = person(org, name="Jun", skills={"generative-ai": 5}, seniority="junior")
    executive = person(org, name="Exe", interests={"generative-ai": (1, 3)}, seniority="senior")
    admin = auth(org, "admin", "admin")
    reverse = await format_program(
        read_model, org, ProgramFormat.REVERSE, [(junior, "mentor"), (executive, "mentee")],
        {"seniority_direction": "mentor_junior"},
    )  # fmt: skip
    _, [proposal] = await round_proposals(matching_client, reverse.id, admin)
    assert proposal["mentor_id"] == str(junior.id)
    assert proposal["score_breakdown"]["seniority"] >= 0.9
    assert any(
        reason.startswith("reverse mentoring: the mentor (junior)") and "teaches them" in reason
        for reason in proposal["reasons"]
    )
    # The same pair in a one-to-one program: a mentor below the mentee scores nothing on seniority.
    classic = await format_program(
        read_model, org, ProgramFormat.ONE_TO_ONE, [(junior, "mentor"), (executive, "mentee")]
    )
    _, [pair] = await round_proposals(matching_client, classic.id, admin)
    assert pair["score_breakdown"]["seniority"] == 0.0 and pair["score"] < proposal["score"]
