"""Goals: the mentee sets and progresses them, the mentor comments and proposes; SMART fields are
checked before anything is written; progress is kept as history; milestones are reached; two
people editing the same goal never lose an update silently."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.contracts.workspace import (
    GoalCompleted,
    GoalCreated,
    GoalProgressed,
    GoalProposed,
    MilestoneReached,
)
from tests.workspace.world import World, etag, in_days


async def test_the_mentee_sets_a_goal_with_milestones_and_it_is_published_without_its_text(
    world: World,
) -> None:
    pair = await world.pair()
    goal = await pair.goal(
        title="Fine-tune a model for support tickets",
        milestones=[{"title": "Build an evaluation set", "due_date": in_days(14)}],
    )
    assert goal["adopted"] and goal["status"] == "not_started" and goal["created_by"] == str(pair.mentee.id)
    assert [m["title"] for m in goal["milestones"]] == ["Build an evaluation set"]
    (created,) = await world.published(pair.organization, GoalCreated)
    assert created["data"]["goal"]["id"] == goal["id"]
    assert created["data"]["goal"]["skills"] == ["pytorch"]
    assert created["data"]["goal"]["objective"] == "technical_skills"
    assert created["data"]["goal"]["milestones_total"] == 1
    outbox = await world.raw_outbox(pair.organization)
    assert "support tickets" not in outbox and "evaluation set" not in outbox and "real traffic" not in outbox


async def test_a_mentors_goal_is_a_proposal_until_the_mentee_accepts_it(world: World) -> None:
    pair = await world.pair()
    proposal = await pair.goal(pair.as_mentor, title="Present a paper reading", skills=["ai-ethics"])
    assert not proposal["adopted"] and proposal["proposal"] == "pending"
    assert [e["type"] for e in await world.published(pair.organization)] == [GoalProposed.event_type.name]
    own = await pair.client.get(pair.path("/goals"), headers=pair.as_mentee)
    assert own.json()["items"] == []
    proposals = await pair.client.get(
        pair.path("/goals"), headers=pair.as_mentee, params={"proposals": "true"}
    )
    assert [g["id"] for g in proposals.json()["items"]] == [proposal["id"]]

    by_mentor = await pair.client.post(
        f"/v1/goals/{proposal['id']}/acceptance", headers={**pair.as_mentor, "If-Match": '"1"'}
    )
    assert by_mentor.status_code == 403
    accepted = await pair.client.post(
        f"/v1/goals/{proposal['id']}/acceptance", headers={**pair.as_mentee, "If-Match": '"1"'}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["adopted"] and accepted.json()["proposal"] == "accepted"
    assert len(await world.published(pair.organization, GoalCreated)) == 1
    # Now it is the mentee's: the mentor comments, but no longer edits it.
    edit = await pair.client.patch(
        f"/v1/goals/{proposal['id']}", headers={**pair.as_mentor, **etag(accepted)}, json={"title": "Mine"}
    )
    assert edit.status_code == 403
    comment = await pair.client.post(
        f"/v1/goals/{proposal['id']}/comments", headers=pair.as_mentor, json={"body": "Pick a 2024 paper"}
    )
    assert comment.status_code == 201
    comments = await pair.client.get(f"/v1/goals/{proposal['id']}/comments", headers=pair.as_mentee)
    assert [c["body"] for c in comments.json()["items"]] == ["Pick a 2024 paper"]


async def test_a_declined_proposal_never_counts(world: World) -> None:
    pair = await world.pair()
    proposal = await pair.goal(pair.as_mentor)
    declined = await pair.client.post(
        f"/v1/goals/{proposal['id']}/declination", headers={**pair.as_mentee, "If-Match": '"1"'}
    )
    assert declined.status_code == 200 and declined.json()["proposal"] == "declined"
    workspace = (await pair.client.get(pair.path("/workspace"), headers=pair.as_mentee)).json()
    assert workspace["goals_total"] == 0 and workspace["goals_proposed"] == 0
    assert await world.published(pair.organization, GoalCreated) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"target_date": in_days(-2)}, "body.target_date"),
        ({"title": "   "}, "body.title"),
        ({"title": "x" * 201}, "body.title"),
        ({"measure": "m" * 1001}, "body.measure"),
        ({"skills": ["quantum-basket-weaving"]}, "body.skills"),
        ({"skills": ["Not A Slug"]}, "body.skills.0"),
        ({"guidance_kind": "astrology"}, "body.guidance_kind"),
        ({"milestones": [{"title": "late", "due_date": in_days(-1)}]}, "body.milestones.0.due_date"),
        ({"title": "nul \x00 byte"}, "body.title"),
    ],
)
async def test_bad_goals_are_refused_naming_the_field_and_nothing_is_written(
    world: World, change: dict[str, Any], field: str
) -> None:
    pair = await world.pair()
    body = {"title": "Ship a model", "target_date": in_days(30), "skills": ["pytorch"], **change}
    response = await pair.client.post(pair.path("/goals"), headers=pair.as_mentee, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]
    assert await world.count("goals", pair.organization) == 0
    assert await world.count("milestones", pair.organization) == 0
    assert await world.published(pair.organization) == []


async def test_skills_may_be_the_mentees_learning_interests_and_dates_are_the_mentees(world: World) -> None:
    # Far east of UTC, the mentee's today may be UTC's tomorrow: their date is what counts.
    pair = await world.pair(mentee_zone="Pacific/Kiritimati", mentee_interests=("reinforcement-learning",))
    goal = await pair.goal(skills=["reinforcement-learning", "python"], target_date=in_days(1))
    assert goal["skills"] == ["reinforcement-learning", "python"]


async def test_progress_is_kept_as_history_and_completion_says_whether_it_was_on_time(world: World) -> None:
    pair = await world.pair()
    goal = await pair.goal()
    path = f"/v1/goals/{goal['id']}/progress"
    first = await pair.client.post(
        path,
        headers={**pair.as_mentee, "If-Match": '"1"'},
        json={"status": "on_track", "percent": 40, "note": "halfway"},
    )
    assert first.status_code == 200, first.text
    by_mentor = await pair.client.post(
        path, headers={**pair.as_mentor, **etag(first)}, json={"status": "done"}
    )
    assert by_mentor.status_code == 403
    done = await pair.client.post(path, headers={**pair.as_mentee, **etag(first)}, json={"status": "done"})
    assert done.status_code == 200
    assert done.json()["status"] == "done" and done.json()["completed_on_time"] is True
    assert done.json()["percent"] == 100
    history = (await pair.client.get(path, headers=pair.as_mentor)).json()["items"]
    assert [(h["previous_status"], h["status"], h["percent"]) for h in history] == [
        ("not_started", "on_track", 40),
        ("on_track", "done", None),
    ]
    assert history[0]["note"] == "halfway"
    progressed = await world.published(pair.organization, GoalProgressed)
    assert [e["data"]["goal"]["status"] for e in progressed] == ["on_track", "done"]
    (completed,) = await world.published(pair.organization, GoalCompleted)
    assert completed["data"]["goal"]["completed_on_time"] is True
    assert "halfway" not in await world.raw_outbox(pair.organization)


async def test_two_people_editing_the_same_goal_never_lose_an_update_silently(world: World) -> None:
    pair = await world.pair()
    goal = await pair.goal()
    path = f"/v1/goals/{goal['id']}"
    stale = {**pair.as_mentee, "If-Match": '"1"'}
    first, second = await asyncio.gather(
        pair.client.patch(path, headers=stale, json={"title": "Ship a ranking model"}),
        pair.client.patch(path, headers=stale, json={"measure": "p95 latency under 50 ms"}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    missing = await pair.client.patch(path, headers=pair.as_mentee, json={"title": "No If-Match"})
    assert missing.status_code == 428
    current = await pair.client.get(path, headers=pair.as_mentee)
    assert current.headers["ETag"] == '"2"'


async def test_reaching_a_milestone_is_published_once(world: World) -> None:
    pair = await world.pair()
    goal = await pair.goal(milestones=[{"title": "Evaluation set", "due_date": in_days(10)}])
    (milestone,) = goal["milestones"]
    path = f"/v1/milestones/{milestone['id']}"
    reached = await pair.client.patch(
        path, headers={**pair.as_mentee, "If-Match": '"1"'}, json={"reached": True}
    )
    assert reached.status_code == 200, reached.text
    assert reached.json()["reached"] and reached.json()["reached_on_time"] is True
    again = await pair.client.patch(path, headers={**pair.as_mentee, **etag(reached)}, json={"reached": True})
    assert again.status_code == 200
    (event,) = await world.published(pair.organization, MilestoneReached)
    assert event["data"]["milestone"]["goal_id"] == goal["id"]
    added = await pair.client.post(
        f"/v1/goals/{goal['id']}/milestones",
        headers=pair.as_mentee,
        json={"title": "Second", "due_date": in_days(20)},
    )
    assert added.status_code == 201 and [m["position"] for m in added.json()["milestones"]] == [0, 1]


async def test_a_pair_starts_a_goal_from_its_programs_templates(world: World) -> None:
    pair = await world.pair()
    templates = await pair.client.get(
        "/v1/goal-templates", headers=pair.as_mentee, params={"objective": "technical_skills"}
    )
    keys = [t["key"] for t in templates.json()["items"]]
    assert "technical-bias-audit" in keys
    goal = await pair.goal(
        template="technical-bias-audit",
        title=None,
        measure=None,
        target_date=None,
        guidance_kind=None,
        skills=["ai-ethics"],
    )
    assert goal["title"] == "Complete a bias audit of a dataset"
    assert goal["guidance_kind"] == "ethics" and goal["template"] == "technical-bias-audit"
    assert len(goal["milestones"]) == 3 and goal["target_date"] is not None
    unknown = await pair.client.post(pair.path("/goals"), headers=pair.as_mentee, json={"template": "nope"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.template"
