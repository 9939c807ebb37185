"""A pair's workspace end to end, through real events on real NATS.

A round is published and accepted; the program requires an agreement before the first session, so
scheduling refuses to book until both sign it in the workspace (`agreement.signed` reaches
scheduling); the mentee sets two goals with milestones; the session's agenda is made from those
goals; the session is held and noted; a milestone is reached and a goal completed by its target
date. Feedback counts it: goal attainment in the program's analytics (and by objective), and a
goal-progress component in the pair's health. The integrator receives every step as a signed
webhook, none with a word of the pair's text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from mentorship.platform_client import ApiError, Document, PlatformClient
from tests.conftest import Platform
from tests.e2e.conftest import Stack, eventually
from tests.e2e.test_platform_flow import create_program, matching_knows, person
from tests.toolkit import settled

SECTIONS = {
    "expectations": "Ship the churn model together",
    "meeting_frequency": "Every other Tuesday",
    "preferred_channels": "Video, and messages here",
    "confidentiality": "Between us two",
    "how_to_end": "Either of us says so",
}
PRIVATE = "Ask about the promotion timeline"  # a private note: never leaves the workspace


async def workspace_settled(platform: Platform) -> None:
    """Workspace's outbox published, and scheduling and feedback done with its stream."""
    await settled(
        nats_url=platform.nats_url,
        namespace=platform.namespace,
        consumers=[(consumer, "workspace") for consumer in ("scheduling", "feedback")],
        database_url=platform.database_url,
        outboxes=["workspace"],
    )


async def test_a_pair_signs_plans_meets_and_reaches_a_goal_that_analytics_and_the_integrator_see(
    stack: Stack, platform: Platform
) -> None:
    client, inbox = stack.client, stack.inbox
    mentor = await client.create_person(
        person(
            "Ines",
            "Europe/Lisbon",
            ("09:00", "18:00"),
            seniority="staff",
            skills=[{"skill": "mlops", "level": 5}, {"skill": "pytorch", "level": 4}],
            guidance=["technical"],
            mentor_capacity=1,
        )
    )
    mentee = await client.create_person(
        person(
            "Kofi",
            "Africa/Accra",
            ("09:00", "17:00"),
            seniority="junior",
            learning_interests=[
                {"skill": "mlops", "current_level": 1, "target_level": 4},
                {"skill": "pytorch", "current_level": 2, "target_level": 4},
            ],
            guidance=["technical"],
        )
    )
    program = await create_program(client, "Production ML", objective="technical_skills")
    await client.enroll(program["id"], mentor["id"], "mentor")
    await client.enroll(program["id"], mentee["id"], "mentee")
    await eventually(lambda: matching_knows(client, program["id"], mentee["id"]), what="matching knows Kofi")

    # The program requires the agreement before the first session (once workspace knows the program).
    async def require_agreement() -> Document | None:
        try:
            return await client.document(
                "workspace",
                "PUT",
                f"/v1/programs/{program['id']}/workspace-settings",
                json={"agreement_template": SECTIONS, "agreement_required_before_first_session": True},
                headers={"If-Match": '"0"'},
            )
        except ApiError as error:
            if error.status_code == 404:
                return None
            raise

    settings = await eventually(require_agreement, what="the program's workspace settings")
    assert settings["agreement_required_before_first_session"] is True

    # A published round, accepted by both.
    round_ = await client.create_round(program["id"])
    assert round_["stats"]["assigned"] == 1, round_["stats"]
    assert (await client.publish_round(round_["id"]))["status"] == "published"
    (match,) = await client.list_matches(program_id=program["id"])
    as_mentor = PlatformClient.person(mentor["id"], "mentor")
    as_mentee = PlatformClient.person(mentee["id"], "mentee")
    await client.accept_match(match["id"], actor=as_mentee)
    assert (await client.accept_match(match["id"], actor=as_mentor))["status"] == "accepted"
    match_id = match["id"]

    async def workspace_open() -> Document | None:
        try:
            found = await client.document(
                "workspace", "GET", f"/v1/matches/{match_id}/workspace", actor=as_mentee
            )
        except ApiError:
            return None
        return found if found["status"] == "open" else None

    await eventually(workspace_open, what="the pair's workspace opened")

    async def first_slot() -> Document | None:
        start = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        try:
            slots = await client.slots(match_id, actor=as_mentee, start=start)
        except ApiError:
            return None
        return slots[0] if slots else None

    slot = await eventually(first_slot, what="the pair's common slots")
    await workspace_settled(platform)

    # No signed agreement yet: scheduling refuses the first session, with a problem saying why.
    with pytest.raises(ApiError) as refused:
        await client.book_session(match_id, {"format": "video", "start": slot["start"]}, actor=as_mentee)
    assert refused.value.status_code == 409
    assert refused.value.problem["type"].endswith("/agreement-required")

    # Both sign the agreement drafted from the program's template.
    agreement = await client.document(
        "workspace", "GET", f"/v1/matches/{match_id}/agreement", actor=as_mentor
    )
    assert agreement["sections"] == SECTIONS and agreement["status"] == "none"
    drafted = await client.document(
        "workspace",
        "PUT",
        f"/v1/matches/{match_id}/agreement",
        actor=as_mentor,
        json={"sections": {**SECTIONS, "meeting_frequency": "Every Tuesday"}},
        headers={"If-Match": '"0"'},
    )
    for actor in (as_mentor, as_mentee):
        signed = await client.document(
            "workspace",
            "POST",
            f"/v1/matches/{match_id}/agreement/signatures",
            actor=actor,
            json={"version": drafted["version"]},
        )
    assert signed["status"] == "signed"
    hook = await inbox.wait_for("workspace.agreement.signed", lambda data: data["match_id"] == match_id)
    assert hook.data["version"] == drafted["version"]
    await workspace_settled(platform)
    session = await client.book_session(
        match_id, {"format": "video", "start": slot["start"]}, actor=as_mentee
    )
    assert session["status"] == "scheduled"

    # Two goals with milestones; the first is due by its target date, a month from now.
    target = date.today() + timedelta(days=30)
    goals: list[Document] = []
    for title, skill, milestones in (
        ("Ship a first model to production", "mlops", ["Containerize the model", "Canary release"]),
        ("Present a paper reading", "pytorch", ["Pick the paper"]),
    ):
        goals.append(
            await client.document(
                "workspace",
                "POST",
                f"/v1/matches/{match_id}/goals",
                actor=as_mentee,
                json={
                    "title": title,
                    "target_date": (target + timedelta(days=30 * len(goals))).isoformat(),
                    "skills": [skill],
                    "guidance_kind": "technical",
                    "milestones": [{"title": milestone} for milestone in milestones],
                },
            )
        )
    assert [len(goal["milestones"]) for goal in goals] == [2, 1]

    # The session arrives in the workspace (scheduling's event); its agenda is made from the goals.
    async def session_known() -> list[Document] | None:
        found = await client.pages("workspace", f"/v1/matches/{match_id}/sessions", actor=as_mentee)
        return found or None

    await eventually(session_known, what="the booked session in the workspace")
    for goal in goals:
        await client.document(
            "workspace",
            "POST",
            f"/v1/sessions/{session['id']}/agenda",
            actor=as_mentee,
            json={"goal_id": goal["id"]},
        )
    dashboard = await client.document(
        "workspace", "GET", f"/v1/matches/{match_id}/dashboard", actor=as_mentor
    )
    assert dashboard["agreement"]["status"] == "signed"
    assert dashboard["next_session"]["id"] == session["id"]
    assert [point["goal_id"] for point in dashboard["next_session"]["agenda"]] == [
        goal["id"] for goal in goals
    ]
    assert [goal["id"] for goal in dashboard["open_goals"]] == [goal["id"] for goal in goals]

    # The session is held; both sides note it, the mentee also privately.
    with time_machine.travel(datetime.fromisoformat(session["start"]) + timedelta(minutes=50), tick=True):
        completed = await client.complete_session(session, actor=as_mentor)
    assert completed["status"] == "completed"
    await client.document(
        "workspace",
        "PUT",
        f"/v1/sessions/{session['id']}/notes",
        actor=as_mentor,
        json={"body": "Agreed on a canary release plan"},
        headers={"If-Match": '"0"'},
    )
    await client.document(
        "workspace",
        "PUT",
        f"/v1/sessions/{session['id']}/private-note",
        actor=as_mentee,
        json={"body": PRIVATE},
        headers={"If-Match": '"0"'},
    )

    # A milestone reached, then the first goal done, well before its target date.
    first = goals[0]
    milestone = first["milestones"][0]
    reached = await client.document(
        "workspace",
        "PATCH",
        f"/v1/milestones/{milestone['id']}",
        actor=as_mentee,
        json={"reached": True},
        headers={"If-Match": f'"{milestone["version"]}"'},
    )
    assert reached["reached"] is True
    current = await client.document("workspace", "GET", f"/v1/goals/{first['id']}", actor=as_mentee)
    done = await client.document(
        "workspace",
        "POST",
        f"/v1/goals/{first['id']}/progress",
        actor=as_mentee,
        json={"status": "done", "percent": 100, "note": "Live behind a feature flag"},
        headers={"If-Match": f'"{current["version"]}"'},
    )
    assert done["status"] == "done"

    # The integrator: the milestone and the goal completed on time, signed, ids and numbers only.
    milestone_hook = await inbox.wait_for(
        "workspace.milestone.reached", lambda data: data["milestone"]["id"] == milestone["id"]
    )
    assert milestone_hook.data["milestone"]["goal_id"] == first["id"]
    completed_hook = await inbox.wait_for(
        "workspace.goal.completed", lambda data: data["goal"]["id"] == first["id"]
    )
    assert completed_hook.data["goal"]["completed_on_time"] is True
    assert completed_hook.data["goal"]["objective"] == "technical_skills"
    for request in inbox.route.requests:
        body = request.body.decode()
        for text in ("Ship a first model", "canary", "Canary", PRIVATE, "feature flag", "Tuesday"):
            assert text not in body, (text, body[:200])

    # Feedback: goal attainment in the program's analytics and by objective; goal progress in health.
    async def attainment() -> Document | None:
        summary = (await client.analytics(program["id"]))["summary"]
        figures = summary["goal_attainment"]
        return figures if figures["done"] == 1 else None

    figures = await eventually(attainment, what="the completed goal in the program's analytics")
    assert figures == {
        "objective": "technical_skills",
        "goals": 2,
        "done": 1,
        "done_on_time": 1,
        "due": 1,
        "attainment": 1.0,
    }
    by_objective = await client.document("feedback", "GET", "/v1/analytics/goal-attainment")
    assert {"objective": "technical_skills", **{k: v for k, v in figures.items() if k != "objective"}} in (
        by_objective["objectives"]
    )
    await workspace_settled(platform)
    health = await client.document("feedback", "GET", f"/v1/matches/{match_id}/health")
    goal_progress = next(c for c in health["components"] if c["name"] == "goal_progress")
    assert goal_progress["score"] == 100.0
    assert goal_progress["explanation"].startswith("2 goals: 1 done on time")

    # The workspace's own report agrees, and an admin never reads the private note.
    report = await client.document("workspace", "GET", f"/v1/programs/{program['id']}/goal-attainment")
    assert (report["goals"], report["done_on_time"], report["due"], report["attainment"]) == (2, 1, 1, 1.0)
    assert (report["milestones"], report["milestones_reached"]) == (3, 1)
    note = await client.call(
        "workspace", "GET", f"/v1/sessions/{session['id']}/private-note", expect=(200, 403, 404)
    )
    assert PRIVATE not in note.text
