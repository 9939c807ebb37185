"""Admins' program views: goal attainment (goals completed by their target date, by status,
guidance kind and skill) and the goals at risk; counts and titles, never notes or messages."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import text

from tests.workspace.world import World, in_days, now


async def test_goal_attainment_counts_goals_done_by_their_target_date(world: World) -> None:
    first = await world.pair()
    second = await world.pair(organization=first.organization, program=first.program)
    done = await first.goal(target_date=in_days(60), milestones=[{"title": "M", "due_date": in_days(5)}])
    await first.client.patch(
        f"/v1/milestones/{done['milestones'][0]['id']}",
        headers={**first.as_mentee, "If-Match": '"1"'},
        json={"reached": True},
    )
    await first.client.post(
        f"/v1/goals/{done['id']}/progress",
        headers={**first.as_mentee, "If-Match": '"1"'},
        json={"status": "done"},
    )
    on_track = await first.goal(target_date=in_days(60))
    await first.client.post(
        f"/v1/goals/{on_track['id']}/progress",
        headers={**first.as_mentee, "If-Match": '"1"'},
        json={"status": "on_track"},
    )
    at_risk = await first.goal(
        target_date=in_days(30), skills=["python"], guidance_kind="career", title="Get promoted"
    )
    await first.client.post(
        f"/v1/goals/{at_risk['id']}/progress",
        headers={**first.as_mentee, "If-Match": '"1"'},
        json={"status": "at_risk"},
    )
    dropped = await second.goal(target_date=in_days(60))
    await second.client.post(
        f"/v1/goals/{dropped['id']}/progress",
        headers={**second.as_mentee, "If-Match": '"1"'},
        json={"status": "dropped"},
    )
    await second.goal(second.as_mentor)  # a pending proposal: not the mentee's goal yet
    await second.goal(target_date=None, skills=[])

    path = f"/v1/programs/{first.program.id}/goal-attainment"
    assert (await first.client.get(path, headers=first.as_mentee)).status_code == 403
    report = (await first.client.get(path, headers=first.as_admin)).json()
    assert report["pairs"] == 2 and report["pairs_with_goals"] == 2 and report["proposals_pending"] == 1
    assert report["goals"] == 5
    assert report["by_status"] == {"not_started": 1, "on_track": 1, "at_risk": 1, "done": 1, "dropped": 1}
    assert (report["due"], report["done_on_time"], report["overdue"], report["attainment"]) == (1, 1, 0, 1.0)
    assert (report["milestones"], report["milestones_reached"], report["milestones_reached_on_time"]) == (
        1,
        1,
        1,
    )
    kinds = {line["key"]: line for line in report["by_guidance_kind"]}
    assert kinds["career"]["goals"] == 1 and kinds["technical"]["goals"] == 4
    skills = {line["key"]: line["goals"] for line in report["by_skill"]}
    assert skills == {"pytorch": 3, "python": 1}
    risky = (
        await first.client.get(f"/v1/programs/{first.program.id}/at-risk-goals", headers=first.as_admin)
    ).json()
    assert [(g["goal_id"], g["title"], g["overdue"]) for g in risky["items"]] == [
        (at_risk["id"], "Get promoted", False)
    ]

    # Three months on, two open goals have passed their target dates.
    with time_machine.travel(now() + timedelta(days=90), tick=True):
        later = (await first.client.get(path, headers=first.as_admin)).json()
        risky_later = (
            await first.client.get(f"/v1/programs/{first.program.id}/at-risk-goals", headers=first.as_admin)
        ).json()
    assert (later["due"], later["done_on_time"], later["overdue"], later["attainment"]) == (3, 1, 2, 0.3333)
    assert {g["goal_id"] for g in risky_later["items"]} == {on_track["id"], at_risk["id"]}


async def test_program_views_are_the_organizations_own(world: World) -> None:
    pair = await world.pair()
    foreign = world.auth("org-elsewhere", "00000000-0000-0000-0000-000000000009", "admin")
    for path in (
        f"/v1/programs/{pair.program.id}/goal-attainment",
        f"/v1/programs/{pair.program.id}/at-risk-goals",
    ):
        assert (await pair.client.get(path, headers=foreign)).status_code == 404
        assert (await pair.client.get(path, headers=pair.as_admin)).status_code == 200


RAW_TALLIES = """
SELECT g.program_id, s.skill,
       CASE WHEN s.skill = '' THEN g.guidance_kind ELSE '' END AS guidance_kind, g.status,
       CASE WHEN g.status <> 'done' THEN '' WHEN g.completed_on_time IS NULL THEN 'undated'
            WHEN g.completed_on_time THEN 'on_time' ELSE 'late' END AS outcome,
       coalesce(g.target_date, DATE '9999-12-31') AS target, count(*) AS goals
FROM workspace.goals AS g
CROSS JOIN LATERAL (SELECT '' AS skill UNION SELECT jsonb_array_elements_text(g.skills)) AS s
WHERE g.adopted AND g.organization = :organization
GROUP BY 1, 2, 3, 4, 5, 6
"""
KEPT_TALLIES = """
SELECT program_id, skill, guidance_kind, status, outcome, target_date, goals
FROM workspace.goal_tallies WHERE organization = :organization AND goals <> 0
"""


async def test_the_kept_tallies_equal_counting_every_goal(world: World) -> None:
    pair = await world.pair()
    goals = [
        await pair.goal(skills=["pytorch", "python"]),
        await pair.goal(target_date=None),
        await pair.goal(pair.as_mentor, skills=["mlops"]),
    ]
    first, undated, proposal = goals
    await pair.client.post(
        f"/v1/goals/{proposal['id']}/acceptance", headers={**pair.as_mentee, "If-Match": '"1"'}
    )
    changed = await pair.client.patch(
        f"/v1/goals/{first['id']}",
        headers={**pair.as_mentee, "If-Match": '"1"'},
        json={"skills": ["python"], "guidance_kind": "career", "target_date": in_days(90)},
    )
    await pair.client.post(
        f"/v1/goals/{first['id']}/progress",
        headers={**pair.as_mentee, **{"If-Match": changed.headers["ETag"]}},
        json={"status": "done"},
    )
    await pair.client.post(
        f"/v1/goals/{undated['id']}/progress",
        headers={**pair.as_mentee, "If-Match": '"1"'},
        json={"status": "done"},
    )
    async with world.sessions() as session:
        raw = {
            tuple(row)
            for row in (await session.execute(text(RAW_TALLIES), {"organization": pair.organization}))
        }
        kept = {
            tuple(row)
            for row in (await session.execute(text(KEPT_TALLIES), {"organization": pair.organization}))
        }
    assert kept == raw and len(raw) == 6
