"""Kinds from the training and workspace services: a course assigned or overdue, an action item
overdue (to its owner), and a goal whose target date nears (told once, by a job)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from mentorship.mail_sink import MailSink
from shared.contracts.matching import MatchAccepted, MatchStatus
from shared.contracts.training import AssignmentProgress, TrainingAssigned
from shared.contracts.workspace import ActionItemOverdue, GoalCreated, GoalState
from tests.notifications.conftest import Bus, Org, mail_for, now, wait_for_mail

pytestmark = pytest.mark.usefixtures("notifications_worker")


async def test_a_course_assigned_an_action_item_overdue_and_a_goal_due_soon_are_told(
    org: Org, bus: Bus, sink: tuple[MailSink, int]
) -> None:
    mail, _ = sink
    await org.program("Responsible AI")
    mentor = await org.person("Timnit Gebru")
    mentee = await org.person("Joy Buolamwini")
    match = org.match(mentor, mentee, MatchStatus.ACCEPTED)
    await bus.publish(MatchAccepted(match=match), organization=org.organization)
    assignment = AssignmentProgress(
        id=uuid.uuid4(),
        organization=org.organization,
        version=1,
        program_id=org.program_id,
        person_id=mentee.id,
        role="mentee",
        enrollment_id=uuid.uuid4(),
        course_id=uuid.uuid4(),
        status="assigned",
        modules_done=0,
        modules_total=4,
        required_for_matching=False,
        ready_for_matching=True,
        overdue=False,
        assigned_at=now(),
        due_at=now() + timedelta(days=14),
    )
    await bus.publish(TrainingAssigned(assignment=assignment), organization=org.organization)
    overdue = ActionItemOverdue(
        action_item_id=uuid.uuid4(),
        match_id=match.id,
        program_id=org.program_id,
        owner_id=mentor.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        due_date=date.today() - timedelta(days=1),
        due_at=now(),
    )
    await bus.publish(overdue, organization=org.organization)
    goal = GoalState(
        id=uuid.uuid4(),
        organization=org.organization,
        version=1,
        match_id=match.id,
        program_id=org.program_id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        status="on_track",
        percent=40,
        guidance_kind="technical",
        target_date=date.today() + timedelta(days=2),
        created_at=now(),
        updated_at=now(),
    )
    await bus.publish(GoalCreated(goal=goal), organization=org.organization)

    to_mentee = await wait_for_mail(mail, mentee.email, 3)
    subjects = {message["Subject"] for message in to_mentee}
    assert "A course to take for Responsible AI" in subjects
    assert (
        f"A goal is due {goal.target_date.strftime('%B')} {goal.target_date.day}, {goal.target_date.year}"
        in subjects
    )
    [to_mentor] = [
        message for message in await wait_for_mail(mail, mentor.email, 2)
        if message["Subject"].startswith("An action item")
    ]  # fmt: skip
    assert "Joy Buolamwini" in to_mentor.get_body(preferencelist=("plain",)).get_content()
    await bus.settled()
    assert len(mail_for(mail, mentee.email)) == 3  # the goal is told once, however often the job runs
