"""Who sees what: the two members and the program's admins see a workspace; another organization
and a mentee of another pair get 404 (not even whether it exists); admins never read the
conversation (except reported messages) nor anyone's private notes; members never see admins'
intervention notes; the pair writes, admins read."""

from __future__ import annotations

import asyncio
import uuid

from tests.workspace.world import Pair, World


def _paths(pair: Pair, goal_id: str, session_id: uuid.UUID) -> list[str]:
    return [
        pair.path("/workspace"),
        pair.path("/dashboard"),
        pair.path("/agreement"),
        pair.path("/goals"),
        pair.path("/action-items"),
        pair.path("/sessions"),
        pair.path("/export"),
        f"/v1/goals/{goal_id}",
        f"/v1/goals/{goal_id}/progress",
        f"/v1/sessions/{session_id}/agenda",
        f"/v1/sessions/{session_id}/notes",
    ]


async def test_both_members_and_the_programs_admins_see_the_workspace(world: World) -> None:
    pair = await world.pair()
    goal = await pair.goal()
    session_id = await pair.book()
    for headers in (pair.as_mentor, pair.as_mentee, pair.as_admin):
        paths = _paths(pair, goal["id"], session_id)
        responses = await asyncio.gather(*(pair.client.get(path, headers=headers) for path in paths))
        assert [r.status_code for r in responses] == [200] * len(paths), [r.text for r in responses]


async def test_another_organization_and_another_pairs_mentee_get_404(world: World) -> None:
    pair = await world.pair()
    other = await world.pair(organization=pair.organization)  # same organization, another pair
    goal = await pair.goal()
    session_id = await pair.book()
    foreign_admin = world.auth("org-elsewhere", str(uuid.uuid4()), "admin")
    same_id_elsewhere = world.auth("org-elsewhere", str(pair.mentee.id), "mentee")
    paths = [*_paths(pair, goal["id"], session_id), pair.path("/messages")]
    for headers in (other.as_mentee, other.as_mentor, foreign_admin, same_id_elsewhere):
        responses = await asyncio.gather(*(pair.client.get(path, headers=headers) for path in paths))
        assert [r.status_code for r in responses] == [404] * len(paths)
        assert {r.json()["type"] for r in responses} == {"/problems/not-found"}
    # Nor can they write.
    write = await pair.client.post(pair.path("/messages"), headers=other.as_mentee, json={"body": "hi"})
    assert write.status_code == 404
    goal_write = await pair.client.post(pair.path("/goals"), headers=foreign_admin, json={"title": "x"})
    assert goal_write.status_code == 404


async def test_a_workspace_list_shows_a_member_their_own_and_an_admin_the_organizations(world: World) -> None:
    pair = await world.pair()
    other = await world.pair(organization=pair.organization)
    mine = await pair.client.get("/v1/workspaces", headers=pair.as_mentee)
    assert [w["match_id"] for w in mine.json()["items"]] == [str(pair.id)]
    everyone = await pair.client.get("/v1/workspaces", headers=pair.as_admin)
    assert {w["match_id"] for w in everyone.json()["items"]} == {str(pair.id), str(other.id)}
    one_program = await pair.client.get(
        "/v1/workspaces", headers=pair.as_admin, params={"program_id": str(other.program.id)}
    )
    assert [w["match_id"] for w in one_program.json()["items"]] == [str(other.id)]


async def test_admins_never_read_the_conversation_nor_private_notes(world: World) -> None:
    pair = await world.pair()
    session_id = await pair.book()
    await pair.client.post(pair.path("/messages"), headers=pair.as_mentee, json={"body": "just between us"})
    await pair.client.put(
        f"/v1/sessions/{session_id}/private-note",
        headers={**pair.as_mentor, "If-Match": '"0"'},
        json={"body": "mine"},
    )
    for path in (
        pair.path("/messages"),
        pair.path("/messages/read-state"),
        pair.path("/messages/stream"),
        f"/v1/sessions/{session_id}/private-note",
    ):
        response = await pair.client.get(path, headers=pair.as_admin)
        assert response.status_code == 404, path
    posting = await pair.client.post(
        pair.path("/messages"), headers=pair.as_admin, json={"body": "admin here"}
    )
    assert posting.status_code == 404
    export = (await pair.client.get(pair.path("/export"), headers=pair.as_admin)).json()
    assert export["messages"] is None
    dashboard = (await pair.client.get(pair.path("/dashboard"), headers=pair.as_admin)).json()
    assert dashboard["workspace"]["unread_messages"] is None


async def test_one_member_never_reads_the_others_private_note(world: World) -> None:
    pair = await world.pair()
    session_id = await pair.book()
    path = f"/v1/sessions/{session_id}/private-note"
    written = await pair.client.put(
        path, headers={**pair.as_mentor, "If-Match": '"0"'}, json={"body": "mentor only"}
    )
    assert written.status_code == 200, written.text
    mentee_view = await pair.client.get(path, headers=pair.as_mentee)
    assert mentee_view.json()["body"] == "" and mentee_view.json()["version"] == 0
    mentor_view = await pair.client.get(path, headers=pair.as_mentor)
    assert mentor_view.json()["body"] == "mentor only"


async def test_admins_read_but_only_the_pair_changes_the_plan(world: World) -> None:
    pair = await world.pair()
    goal = await pair.goal()
    created = await pair.client.post(pair.path("/goals"), headers=pair.as_admin, json={"title": "Admin goal"})
    assert created.status_code == 403
    edited = await pair.client.patch(
        f"/v1/goals/{goal['id']}", headers={**pair.as_admin, "If-Match": '"1"'}, json={"title": "x"}
    )
    assert edited.status_code == 403
    item = await pair.client.post(pair.path("/action-items"), headers=pair.as_admin, json={"title": "x"})
    assert item.status_code == 403


async def test_members_never_see_intervention_notes_and_only_admins_work_cases(world: World) -> None:
    pair = await world.pair()
    note = await pair.client.post(
        pair.path("/intervention-notes"), headers=pair.as_admin, json={"body": "Mentee seems overloaded"}
    )
    assert note.status_code == 201, note.text
    for headers in (pair.as_mentee, pair.as_mentor):
        assert (await pair.client.get(pair.path("/intervention-notes"), headers=headers)).status_code == 403
        assert (
            await pair.client.post(pair.path("/intervention-notes"), headers=headers, json={"body": "x"})
        ).status_code == 403
        assert (await pair.client.get("/v1/cases", headers=headers)).status_code == 403
    notes = await pair.client.get(pair.path("/intervention-notes"), headers=pair.as_admin)
    assert [n["body"] for n in notes.json()["items"]] == ["Mentee seems overloaded"]
    for headers in (pair.as_mentee, pair.as_admin):
        export = (await pair.client.get(pair.path("/export"), headers=headers)).text
        assert "overloaded" not in export
    assert "overloaded" not in await world.raw_outbox(pair.organization)
