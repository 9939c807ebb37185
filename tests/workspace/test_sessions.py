"""Session agendas and notes: agenda points from open goals and action items or free text before a
session; shared notes as one document with If-Match; private notes visible to their author alone:
never in events, aggregates (dashboard, program report), exports or an admin's view."""

from __future__ import annotations

from shared.contracts.scheduling import SessionStatus
from tests.workspace.world import World, etag, in_days

SECRET = "I think my mentor is bored"


async def test_the_next_sessions_agenda_lists_goals_items_and_text(world: World) -> None:
    pair = await world.pair()
    goal = await pair.goal(title="Fine-tune a model")
    item = (
        await pair.client.post(
            pair.path("/action-items"), headers=pair.as_mentor, json={"title": "Read the LoRA paper"}
        )
    ).json()
    session_id = await pair.book()
    agenda = f"/v1/sessions/{session_id}/agenda"
    for body in ({"goal_id": goal["id"]}, {"action_item_id": item["id"]}, {"body": "How to ask for a raise"}):
        response = await pair.client.post(agenda, headers=pair.as_mentee, json=body)
        assert response.status_code == 201, response.text
    points = (await pair.client.get(agenda, headers=pair.as_mentor)).json()["items"]
    assert [(p["goal_title"], p["action_item_title"], p["body"]) for p in points] == [
        ("Fine-tune a model", None, None),
        (None, "Read the LoRA paper", None),
        (None, None, "How to ask for a raise"),
    ]
    dashboard = (await pair.client.get(pair.path("/dashboard"), headers=pair.as_mentor)).json()
    assert dashboard["next_session"]["id"] == str(session_id)
    assert [p["id"] for p in dashboard["next_session"]["agenda"]] == [p["id"] for p in points]
    assert [g["id"] for g in dashboard["open_goals"]] == [goal["id"]]
    removed = await pair.client.delete(f"/v1/agenda-items/{points[2]['id']}", headers=pair.as_mentor)
    assert removed.status_code == 204
    assert len((await pair.client.get(agenda, headers=pair.as_mentor)).json()["items"]) == 2


async def test_agenda_points_refer_only_to_the_pairs_open_goals_and_items(world: World) -> None:
    pair = await world.pair()
    other = await world.pair(organization=pair.organization)
    foreign_goal = await other.goal()
    done_goal = await pair.goal()
    await pair.client.post(
        f"/v1/goals/{done_goal['id']}/progress",
        headers={**pair.as_mentee, "If-Match": '"1"'},
        json={"status": "done"},
    )
    session_id = await pair.book()
    agenda = f"/v1/sessions/{session_id}/agenda"
    for body, field in (
        ({"goal_id": foreign_goal["id"]}, "body.goal_id"),
        ({"goal_id": done_goal["id"]}, "body.goal_id"),
        ({}, "body"),
        ({"body": "x" * 1001}, "body.body"),
    ):
        response = await pair.client.post(agenda, headers=pair.as_mentee, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"].startswith(field)
    canceled = await pair.book(status=SessionStatus.CANCELED)
    closed = await pair.client.post(
        f"/v1/sessions/{canceled}/agenda", headers=pair.as_mentee, json={"body": "x"}
    )
    assert closed.status_code == 409
    assert await world.count("agenda_items", pair.organization) == 0


async def test_shared_notes_are_one_document_edited_with_if_match(world: World) -> None:
    pair = await world.pair()
    session_id = await pair.book()
    path = f"/v1/sessions/{session_id}/notes"
    empty = await pair.client.get(path, headers=pair.as_mentor)
    assert empty.headers["ETag"] == '"0"' and empty.json()["body"] == ""
    first = await pair.client.put(
        path, headers={**pair.as_mentor, **etag(empty)}, json={"body": "Talked about LoRA"}
    )
    assert first.status_code == 200
    lost = await pair.client.put(path, headers={**pair.as_mentee, **etag(empty)}, json={"body": "Overwrite"})
    assert lost.status_code == 412
    second = await pair.client.put(
        path, headers={**pair.as_mentee, **etag(first)}, json={"body": "Talked about LoRA and QLoRA"}
    )
    assert second.json()["version"] == 2
    admin_view = await pair.client.get(path, headers=pair.as_admin)
    assert admin_view.json()["body"] == "Talked about LoRA and QLoRA"
    assert (
        await pair.client.put(path, headers={**pair.as_mentee, **etag(second)}, json={"body": "n" * 20_001})
    ).status_code == 422


async def test_private_notes_never_reach_events_aggregates_exports_or_admins(world: World) -> None:
    pair = await world.pair()
    await pair.goal(milestones=[{"title": "M1", "due_date": in_days(5)}])
    session_id = await pair.book()
    written = await pair.client.put(
        f"/v1/sessions/{session_id}/private-note",
        headers={**pair.as_mentee, "If-Match": '"0"'},
        json={"body": SECRET},
    )
    assert written.status_code == 200 and written.headers["Cache-Control"] == "private, no-store"
    # Events: none carries it.
    assert SECRET not in await world.raw_outbox(pair.organization)
    # Aggregates and admins' views: dashboard, workspace, program report, at-risk goals, export.
    views = [
        (pair.path("/dashboard"), pair.as_admin),
        (pair.path("/dashboard"), pair.as_mentee),
        (pair.path("/workspace"), pair.as_admin),
        (f"/v1/programs/{pair.program.id}/goal-attainment", pair.as_admin),
        (f"/v1/programs/{pair.program.id}/at-risk-goals", pair.as_admin),
        (f"/v1/sessions/{session_id}/notes", pair.as_admin),
        (f"/v1/sessions/{session_id}/agenda", pair.as_admin),
        ("/v1/workspaces", pair.as_admin),
    ]
    for path, headers in views:
        response = await pair.client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert SECRET not in response.text, path
    # Exports: not even the author's own export holds it.
    for headers in (pair.as_mentee, pair.as_mentor, pair.as_admin):
        export = await pair.client.get(pair.path("/export"), headers=headers)
        assert export.status_code == 200 and SECRET not in export.text
    # Admins cannot read it directly either.
    assert (
        await pair.client.get(f"/v1/sessions/{session_id}/private-note", headers=pair.as_admin)
    ).status_code == 404
