"""The agreement: drafted from the program's template, edited by either member with If-Match,
signed by each for a given version; an edit after signing needs both to sign again; `agreement.signed`
is published once per fully signed version, without the text. Programs choose whether an
agreement is required before the first session, which is published for scheduling."""

from __future__ import annotations

from typing import Any

from shared.contracts.workspace import AgreementSigned, ProgramSettingsUpdated
from tests.workspace.world import World, etag

SECTIONS = {
    "expectations": "Weekly progress on the fine-tuning project",
    "meeting_frequency": "Every Tuesday, 30 minutes",
    "preferred_channels": "Video calls; messages here in between",
    "confidentiality": "What we discuss stays between us",
    "how_to_end": "Either of us says so in a session",
}


async def _sign(world: World, pair: Any, headers: dict[str, str], version: int) -> Any:
    return await pair.client.post(
        pair.path("/agreement/signatures"), headers=headers, json={"version": version}
    )


async def test_the_agreement_starts_as_the_programs_template(world: World) -> None:
    pair = await world.pair()
    template = {**SECTIONS, "expectations": "Come prepared with one question"}
    admin_put = await pair.client.put(
        f"/v1/programs/{pair.program.id}/workspace-settings",
        headers={**pair.as_admin, "If-Match": '"0"'},
        json={"agreement_template": template, "agreement_required_before_first_session": True},
    )
    assert admin_put.status_code == 200, admin_put.text
    assert admin_put.headers["ETag"] == '"1"'
    agreement = await pair.client.get(pair.path("/agreement"), headers=pair.as_mentee)
    assert agreement.headers["ETag"] == '"0"'
    body = agreement.json()
    assert body["status"] == "none" and body["sections"]["expectations"] == "Come prepared with one question"
    assert body["required_before_first_session"] is True
    (event,) = await world.published(pair.organization, ProgramSettingsUpdated)
    assert event["data"] == {
        "program_id": str(pair.program.id),
        "version": 1,
        "agreement_required_before_first_session": True,
    }
    assert "Come prepared" not in await world.raw_outbox(pair.organization)


async def test_both_sign_a_version_and_it_is_published_once_without_the_text(world: World) -> None:
    pair = await world.pair()
    edited = await pair.client.put(
        pair.path("/agreement"), headers={**pair.as_mentor, "If-Match": '"0"'}, json={"sections": SECTIONS}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 1 and edited.json()["status"] == "draft"
    mentor_signed = await _sign(world, pair, pair.as_mentor, 1)
    assert mentor_signed.json()["status"] == "partially_signed"
    assert mentor_signed.json()["mentor"]["current"] and not mentor_signed.json()["mentee"]["current"]
    assert await world.published(pair.organization, AgreementSigned) == []
    both = await _sign(world, pair, pair.as_mentee, 1)
    assert both.json()["status"] == "signed"
    assert both.json()["mentee"]["signed_version"] == 1 and both.json()["mentee"]["signed_at"]
    again = await _sign(world, pair, pair.as_mentee, 1)
    assert again.status_code == 200
    (event,) = await world.published(pair.organization, AgreementSigned)
    assert event["data"]["version"] == 1 and event["data"]["match_id"] == str(pair.id)
    assert "Tuesday" not in await world.raw_outbox(pair.organization)
    dashboard = (await pair.client.get(pair.path("/dashboard"), headers=pair.as_admin)).json()
    assert dashboard["agreement"] == {
        "status": "signed",
        "version": 1,
        "required_before_first_session": False,
        "mentor_signed": True,
        "mentee_signed": True,
    }


async def test_an_edit_after_signing_clears_both_signatures(world: World) -> None:
    pair = await world.pair()
    await _sign(world, pair, pair.as_mentor, 0)
    signed = await _sign(world, pair, pair.as_mentee, 0)
    assert signed.json()["status"] == "signed"
    edited = await pair.client.put(
        pair.path("/agreement"),
        headers={**pair.as_mentee, **etag(signed)},
        json={"sections": {**SECTIONS, "meeting_frequency": "Every other week"}},
    )
    assert edited.status_code == 200
    assert edited.json()["status"] == "draft" and edited.json()["version"] == 1
    assert edited.json()["mentor"]["signed_version"] is None
    stale = await _sign(world, pair, pair.as_mentor, 0)
    assert stale.status_code == 409 and stale.json()["type"] == "/problems/agreement-changed"
    await _sign(world, pair, pair.as_mentor, 1)
    resigned = await _sign(world, pair, pair.as_mentee, 1)
    assert resigned.json()["status"] == "signed"
    versions = [e["data"]["version"] for e in await world.published(pair.organization, AgreementSigned)]
    assert versions == [0, 1]


async def test_agreement_edits_need_if_match_and_admins_cannot_sign(world: World) -> None:
    pair = await world.pair()
    missing = await pair.client.put(
        pair.path("/agreement"), headers=pair.as_mentor, json={"sections": SECTIONS}
    )
    assert missing.status_code == 428
    stale = await pair.client.put(
        pair.path("/agreement"), headers={**pair.as_mentor, "If-Match": '"7"'}, json={"sections": SECTIONS}
    )
    assert stale.status_code == 412
    too_long = await pair.client.put(
        pair.path("/agreement"),
        headers={**pair.as_mentor, "If-Match": '"0"'},
        json={"sections": {**SECTIONS, "confidentiality": "x" * 4001}},
    )
    assert too_long.status_code == 422
    assert (await _sign(world, pair, pair.as_admin, 0)).status_code == 403
    assert await world.count("agreements", pair.organization) == 0


async def test_program_settings_are_admin_only_and_need_if_match(world: World) -> None:
    pair = await world.pair()
    path = f"/v1/programs/{pair.program.id}/workspace-settings"
    body = {"agreement_template": SECTIONS, "agreement_required_before_first_session": False}
    assert (await pair.client.get(path, headers=pair.as_mentor)).status_code == 403
    assert (await pair.client.put(path, headers=pair.as_admin, json=body)).status_code == 428
    foreign = world.auth("org-elsewhere", "00000000-0000-0000-0000-000000000001", "admin")
    assert (await pair.client.get(path, headers=foreign)).status_code == 404
    defaults = await pair.client.get(path, headers=pair.as_admin)
    assert (
        defaults.headers["ETag"] == '"0"'
        and defaults.json()["agreement_required_before_first_session"] is False
    )
