"""The platform end to end, as its users meet it, through real events on real NATS.

An organization's mentors and mentees across time zones and an admin-approved program are created
in profiles; matching learns of them from events; a round is planned, published and accepted by
both sides; scheduling finds a common slot and the pair meets; both rate the session in feedback;
the program's analytics count it. An integrator's endpoint gets every step as a signed webhook.
Then people leave (through the API and through SCIM) and move (manager, department), and each
change travels to the services that must react.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine

from mentorship.platform_client import Actor, Document, PlatformClient
from tests.e2e.conftest import Stack, eventually

WORKDAYS = range(5)


def working_hours(start: str, end: str) -> list[dict[str, Any]]:
    return [{"weekday": day, "start": start, "end": end} for day in WORKDAYS]


def person(name: str, time_zone: str, hours: tuple[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{name.lower()}.{uuid.uuid4().hex[:8]}@example.com",
        "name": name,
        "time_zone": time_zone,
        "languages": ["en"],
        "availability": working_hours(*hours),
        **fields,
    }


MENTORS = {
    "Priya": person(
        "Priya",
        "Asia/Kolkata",
        ("13:00", "21:00"),
        seniority="staff",
        department="Research",
        skills=[{"skill": "pytorch", "level": 5}, {"skill": "llms", "level": 5}],
        guidance=["technical", "career"],
        mentor_capacity=2,
    ),
    "Diego": person(
        "Diego",
        "America/Sao_Paulo",
        ("09:00", "18:00"),
        seniority="principal",
        department="Vision",
        skills=[{"skill": "computer-vision", "level": 5}, {"skill": "pytorch", "level": 4}],
        guidance=["technical"],
        mentor_capacity=2,
    ),
}
MENTEES = {
    "Alan": person(
        "Alan",
        "Europe/Berlin",
        ("09:00", "17:00"),
        seniority="junior",
        department="Product",
        learning_interests=[{"skill": "pytorch", "current_level": 1, "target_level": 4}],
        guidance=["technical"],
    ),
    "Yuki": person(
        "Yuki",
        "Asia/Tokyo",
        ("10:00", "18:00"),
        seniority="junior",
        department="Applied AI",
        learning_interests=[{"skill": "llms", "current_level": 1, "target_level": 3}],
    ),
    "Sam": person(
        "Sam",
        "America/New_York",
        ("09:00", "17:00"),
        seniority="mid",
        department="Robotics",
        learning_interests=[{"skill": "computer-vision", "current_level": 2, "target_level": 4}],
    ),
}


@dataclass
class Cohort:
    """An admin-approved program whose round was published and accepted by every pair."""

    program: Document
    people: dict[str, Document]
    matches: dict[str, Document]  # by mentee name

    def id(self, name: str) -> str:
        return str(self.people[name]["id"])

    def actor(self, name: str) -> Actor:
        role = "mentor" if name in MENTORS else "mentee"
        return PlatformClient.person(self.id(name), role)

    def match_of(self, mentee: str) -> Document:
        return self.matches[mentee]

    def mentor_of(self, mentee: str) -> str:
        mentor_id = str(self.matches[mentee]["mentor_id"])
        return next(name for name, body in self.people.items() if body["id"] == mentor_id)


async def create_program(client: PlatformClient, name: str, **fields: Any) -> Document:
    today = date.today()
    return await client.create_program(
        {
            "name": name,
            "objective": "onboarding",
            "matching_mode": "admin_approved",
            "status": "active",
            "cohort_start": today.isoformat(),
            "cohort_end": (today + timedelta(days=120)).isoformat(),
            "session_length_minutes": 60,
            "session_cadence": "biweekly",
            **fields,
        }
    )


async def matching_knows(client: PlatformClient, program_id: str, mentee_id: str) -> list[Document] | None:
    """The mentee's suggestions once matching's read model has them (and their program) from events."""
    try:
        suggestions = await client.suggestions(program_id, mentee_id)
    except Exception:
        return None
    return suggestions or None


@pytest.fixture(scope="module")
async def cohort(stack: Stack) -> Cohort:
    client, inbox = stack.client, stack.inbox
    people = {name: await client.create_person(body) for name, body in {**MENTORS, **MENTEES}.items()}
    program = await create_program(client, "AI onboarding")
    for name in [*MENTORS, *MENTEES]:
        role = "mentor" if name in MENTORS else "mentee"
        await client.enroll(program["id"], people[name]["id"], role)

    # Profiles' events reach matching in order: once the last mentee has suggestions, all are in.
    for name in MENTEES:
        await eventually(
            lambda name=name: matching_knows(client, program["id"], people[name]["id"]),
            what=f"matching's read model has {name}",
        )

    round_ = await client.create_round(program["id"])
    assert round_["status"] == "draft"
    assert (round_["stats"]["mentees"], round_["stats"]["mentors"]) == (3, 2)
    assert round_["stats"]["assigned"] == 3, round_["stats"]
    proposals = await client.proposals(round_["id"])
    assert all(proposal["reasons"] and proposal["score"] > 0 for proposal in proposals)
    assert (await client.publish_round(round_["id"]))["status"] == "published"

    matches: dict[str, Document] = {}
    names_by_id = {str(body["id"]): name for name, body in people.items()}
    for match in await client.list_matches(program_id=program["id"]):
        assert match["status"] == "proposed"
        mentee, mentor = names_by_id[str(match["mentee_id"])], names_by_id[str(match["mentor_id"])]
        await client.accept_match(match["id"], actor=PlatformClient.person(match["mentee_id"], "mentee"))
        accepted = await client.accept_match(
            match["id"], actor=PlatformClient.person(match["mentor_id"], "mentor")
        )
        assert accepted["status"] == "accepted", (mentee, mentor, accepted)
        matches[mentee] = accepted
    assert sorted(matches) == sorted(MENTEES)

    # Every step so far reached the integrator, signed.
    for body in people.values():
        await inbox.wait_for(
            "profiles.person.created", lambda data, id=body["id"]: data["person"]["id"] == id
        )
    await inbox.wait_for("profiles.program.created", lambda data: data["program"]["id"] == program["id"])
    await inbox.wait_for(
        "profiles.enrollment.created", lambda data: data["enrollment"]["person_id"] == people["Sam"]["id"]
    )
    for match in matches.values():
        for action in ("proposed", "accepted"):
            await inbox.wait_for(
                f"matching.match.{action}", lambda data, id=match["id"]: data["match"]["id"] == id
            )
    return Cohort(program=program, people=people, matches=matches)


async def mentorship_slots(
    client: PlatformClient, cohort: Cohort, mentee: str, *, days_ahead: int
) -> list[Document] | None:
    """The pair's common slots, once scheduling has the mentorship (from matching's event)."""
    start = (datetime.now(UTC) + timedelta(days=days_ahead)).isoformat()
    try:
        slots = await client.slots(cohort.match_of(mentee)["id"], actor=cohort.actor(mentee), start=start)
    except Exception:
        return None
    return slots or None


async def book_first_slot(
    client: PlatformClient, cohort: Cohort, mentee: str, *, days_ahead: int
) -> Document:
    slots = await eventually(
        lambda: mentorship_slots(client, cohort, mentee, days_ahead=days_ahead),
        what=f"common slots of {mentee}'s mentorship",
    )
    return await client.book_session(
        cohort.match_of(mentee)["id"],
        {"format": "video", "start": slots[0]["start"]},
        actor=cohort.actor(mentee),
    )


async def status_of_match(client: PlatformClient, match_id: str, status: str) -> Document | None:
    match = await client.get_match(match_id)
    return match if match["status"] == status else None


async def status_of_session(client: PlatformClient, session_id: str, status: str) -> Document | None:
    session = await client.get_session(session_id)
    return session if session["status"] == status else None


async def test_a_pair_is_matched_meets_across_time_zones_rates_the_session_and_the_integrator_sees_it_all(
    stack: Stack, cohort: Cohort
) -> None:
    client, inbox = stack.client, stack.inbox
    mentor = cohort.mentor_of("Alan")
    match_id = cohort.match_of("Alan")["id"]

    # A common slot, shown in each one's own clock, inside each one's working hours.
    slots = await eventually(lambda: mentorship_slots(client, cohort, "Alan", days_ahead=2), what="slots")
    hours = {"Alan": ("09:00", "17:00"), "Priya": ("13:00", "21:00"), "Diego": ("09:00", "18:00")}
    for local in slots[0]["participants"]:
        name = "Alan" if local["role"] == "mentee" else mentor
        assert local["time_zone"] == cohort.people[name]["time_zone"]
        opens, closes = hours[name]
        assert opens <= local["start"][11:16] and local["end"][11:16] <= closes, local

    session = await client.book_session(
        match_id, {"format": "video", "start": slots[0]["start"]}, actor=cohort.actor("Alan")
    )
    assert session["status"] == "scheduled"
    await inbox.wait_for("scheduling.session.scheduled", lambda data: data["session"]["id"] == session["id"])

    # The session is held: completed once it has started (the clock moves there for this one call).
    with time_machine.travel(datetime.fromisoformat(session["start"]) + timedelta(minutes=50), tick=True):
        completed = await client.complete_session(session, actor=cohort.actor(mentor))
    assert completed["status"] == "completed"
    await inbox.wait_for("scheduling.session.completed", lambda data: data["session"]["id"] == session["id"])

    # Feedback asks both of them about it; both answer.
    answers = {
        "Alan": {
            "rating": 5,
            "mentor_rating": 5,
            "goal_progress": 4,
            "what_helped": {"text": "live debugging"},
        },
        mentor: {"rating": 5, "goal_progress": 4},
    }
    for name, answer in answers.items():

        async def open_request(name: str = name) -> Document | None:
            requests = await client.feedback_requests(
                actor=cohort.actor(name), match_id=match_id, kind="session", status="open"
            )
            return requests[0] if requests else None

        request = await eventually(open_request, what=f"{name}'s feedback request")
        assert request["session_id"] == session["id"]
        submission = await client.submit_feedback(request["id"], answer, actor=cohort.actor(name))
        await inbox.wait_for(
            "feedback.feedback.submitted", lambda data, id=submission["id"]: data["submission"]["id"] == id
        )

    # The analytics of the week the session was held in, seen once it is over; the submissions
    # above were committed with their rollups, so one look is enough.
    with time_machine.travel(datetime.fromisoformat(session["end"]) + timedelta(hours=1), tick=True):
        summary = (await client.analytics(cohort.program["id"]))["summary"]
    assert summary["sessions_held"] == 1
    assert summary["average_rating"] == 5.0

    # A leaver: Alan is deactivated in profiles. Matching ends his match, scheduling cancels what is ahead.
    upcoming = await book_first_slot(client, cohort, "Alan", days_ahead=5)
    await client.deactivate_person(cohort.id("Alan"))
    ended = await eventually(lambda: status_of_match(client, match_id, "ended"), what="Alan's match ended")
    assert ended["end_reason"] == "person_deactivated"
    canceled = await eventually(
        lambda: status_of_session(client, upcoming["id"], "canceled"), what="Alan's upcoming session canceled"
    )
    assert canceled["cancel_reason"]
    hook = await inbox.wait_for("matching.match.ended", lambda data: data["match"]["id"] == match_id)
    assert hook.data["match"]["end_reason"] == "person_deactivated"
    await inbox.wait_for("scheduling.session.canceled", lambda data: data["session"]["id"] == upcoming["id"])
    await inbox.wait_for(
        "profiles.person.deactivated", lambda data: data["person"]["id"] == cohort.id("Alan")
    )
    # The session already held stays held.
    assert (await client.get_session(session["id"]))["status"] == "completed"


async def test_a_mentor_deprovisioned_through_scim_loses_their_matches_and_future_sessions(
    stack: Stack, cohort: Cohort
) -> None:
    client, inbox = stack.client, stack.inbox
    mentor = cohort.mentor_of("Sam")
    match_id = cohort.match_of("Sam")["id"]
    upcoming = await book_first_slot(client, cohort, "Sam", days_ahead=3)

    user = await client.scim_deactivate(cohort.id(mentor))
    assert user["active"] is False

    ended = await eventually(lambda: status_of_match(client, match_id, "ended"), what="Sam's match ended")
    assert ended["end_reason"] == "person_deactivated"
    await eventually(lambda: status_of_session(client, upcoming["id"], "canceled"), what="session canceled")
    hook = await inbox.wait_for("matching.match.ended", lambda data: data["match"]["id"] == match_id)
    assert hook.data["match"]["end_reason"] == "person_deactivated"
    await inbox.wait_for("scheduling.session.canceled", lambda data: data["session"]["id"] == upcoming["id"])
    # The other mentor's mentorships go on.
    for name, match in cohort.matches.items():
        if name != "Alan" and cohort.mentor_of(name) != mentor:
            assert (await client.get_match(match["id"]))["status"] in ("accepted", "active")


async def test_a_mover_s_new_department_and_manager_reach_matching(stack: Stack) -> None:
    client = stack.client
    mentor = await client.create_person(
        person(
            "Marta",
            "Europe/Madrid",
            ("09:00", "17:00"),
            seniority="senior",
            department="Platform",
            skills=[{"skill": "mlops", "level": 5}],
        )
    )
    mentee = await client.create_person(
        person(
            "Lena",
            "Europe/London",
            ("09:00", "17:00"),
            department="Data",
            learning_interests=[{"skill": "mlops", "current_level": 1, "target_level": 3}],
        )
    )
    program = await create_program(client, "MLOps across teams", exclude_same_department=True)
    await client.enroll(program["id"], mentor["id"], "mentor")
    await client.enroll(program["id"], mentee["id"], "mentee")

    async def suggested(expected: bool) -> bool:
        mentors = await matching_knows(client, program["id"], mentee["id"]) or []
        return any(item["mentor_id"] == mentor["id"] for item in mentors) == expected

    await eventually(lambda: suggested(True), what="Marta suggested to Lena")

    # Lena moves into Marta's department: the program keeps mentors out of their mentee's department.
    await client.update_person(mentee["id"], {"department": "Platform"})
    await eventually(lambda: suggested(False), what="Marta no longer suggested (same department)")

    # Lena moves back, and later becomes Marta's manager: no one mentors their own manager.
    await client.update_person(mentee["id"], {"department": "Data"})
    await eventually(lambda: suggested(True), what="Marta suggested again")
    await client.update_person(mentor["id"], {"manager_id": mentee["id"]})
    await eventually(lambda: suggested(False), what="Marta no longer suggested (reporting line)")
    hook = await stack.inbox.wait_for(
        "profiles.person.updated", lambda data: data["person"]["id"] == mentor["id"]
    )
    assert hook.data["person"]["manager_id"] == mentee["id"]
