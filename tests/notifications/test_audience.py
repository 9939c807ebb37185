"""Who is told what, and when: a deactivated person gets nothing more, relationships at risk go to
program admins and never to the pair, and low-urgency kinds wait for one digest."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentorship.mail_sink import MailSink
from notifications.models import Delivery
from shared.contracts.feedback import FeedbackRequested, FeedbackRequestState, MatchAtRisk, RequestKind
from shared.contracts.matching import MatchAccepted, MatchStatus
from shared.contracts.profiles import PersonDeactivated
from shared.contracts.scheduling import SessionScheduled
from tests.notifications.conftest import Bus, Org, mail_for, now, wait_for_mail
from tests.toolkit import eventually, eventually_value

pytestmark = pytest.mark.usefixtures("notifications_worker")


async def deliveries_to(db: async_sessionmaker[AsyncSession], person_id: uuid.UUID) -> list[Delivery]:
    async with db() as session:
        return list(
            (await session.execute(select(Delivery).where(Delivery.person_id == person_id))).scalars()
        )


async def test_a_deactivated_person_is_sent_nothing_further(
    org: Org, bus: Bus, sink: tuple[MailSink, int], notifications_db: async_sessionmaker[AsyncSession]
) -> None:
    mail, _ = sink
    await org.program()
    mentor = await org.person("Hedy Lamarr")
    mentee = await org.person("Claude Shannon")
    match = org.match(mentor, mentee, MatchStatus.ACCEPTED)
    await bus.publish(MatchAccepted(match=match), organization=org.organization)
    await wait_for_mail(mail, mentee.email)
    gone = org.person_state(mentee.id, name="Claude Shannon", active=False, version=2)
    await bus.publish(PersonDeactivated(person=gone), organization=org.organization)
    await eventually(lambda: _inactive(notifications_db, mentee.id), what="the deactivation is known")
    session = org.session(match, start=now() + timedelta(days=2))
    await bus.publish(SessionScheduled(session=session), organization=org.organization)
    await wait_for_mail(mail, mentor.email, 2)
    await bus.settled()
    assert len(mail_for(mail, mentee.email)) == 1
    assert [row.kind for row in await deliveries_to(notifications_db, mentee.id)] == ["match_accepted"]


async def _inactive(db: async_sessionmaker[AsyncSession], person_id: uuid.UUID) -> bool:
    from notifications.models import Person

    async with db() as session:
        person = await session.get(Person, person_id)
        return person is not None and not person.active


async def test_a_relationship_at_risk_goes_to_program_admins_and_never_to_the_pair(
    org: Org,
    bus: Bus,
    sink: tuple[MailSink, int],
    notifications_client: httpx.AsyncClient,
) -> None:
    mail, _ = sink
    await org.program("Leadership circle")
    mentor = await org.person("Fran Bilas")
    mentee = await org.person("Ruth Teitelbaum")
    admin = await org.person("Betty Holberton")
    admin_headers = org.auth(org.organization, str(admin.id), "admin")
    # The mentor is an admin too: still never told about their own pairing.
    response = await notifications_client.put(
        "/v1/settings",
        json={"admin_recipients": [str(admin.id), str(mentor.id)]},
        headers={**admin_headers, "If-Match": '"0"'},
    )
    assert response.status_code == 200, response.text
    match = org.match(mentor, mentee, MatchStatus.ACTIVE)
    at_risk = MatchAtRisk(
        match_id=match.id, program_id=org.program_id, mentor_id=mentor.id, mentee_id=mentee.id,
        episode_id=uuid.uuid4(), score=31.5, threshold=50.0, reasons=["No session in the last four weeks"],
        components=[], evaluated_at=now(),
    )  # fmt: skip
    await bus.publish(at_risk, organization=org.organization)
    [message] = await wait_for_mail(mail, admin.email)
    assert message["Subject"] == "A mentorship in Leadership circle needs attention"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Ruth Teitelbaum" in text and "32/100" in text and "No session in the last four weeks" in text
    await bus.settled()
    assert mail_for(mail, mentor.email) == [] and mail_for(mail, mentee.email) == []


async def test_low_urgency_kinds_wait_for_one_digest_email(
    org: Org,
    bus: Bus,
    sink: tuple[MailSink, int],
    notifications_client: httpx.AsyncClient,
    notifications_db: async_sessionmaker[AsyncSession],
) -> None:
    mail, _ = sink
    await org.program("Career growth")
    mentor = await org.person("Grete Hermann")
    mentee = await org.person("Emmy Noether")
    choices = {"kinds": {kind: {"digest": "daily"} for kind in ("feedback_requested", "checkin_due")}}
    response = await notifications_client.put(
        "/v1/me/preferences", json=choices, headers={**org.as_person(mentee.id), "If-Match": '"0"'}
    )
    assert response.status_code == 200, response.text
    match = org.match(mentor, mentee, MatchStatus.ACCEPTED)
    await bus.publish(MatchAccepted(match=match), organization=org.organization)
    await wait_for_mail(mail, mentee.email)  # the match is known (feedback's events name it)
    for kind in (RequestKind.SESSION, RequestKind.CHECKIN):
        request = FeedbackRequestState(
            id=uuid.uuid4(), organization=org.organization, version=1, kind=kind, program_id=org.program_id,
            match_id=match.id, respondent_id=mentee.id, respondent_role="mentee", opened_at=now(),
            due_at=now() + timedelta(days=3), status="open",
        )  # fmt: skip
        await bus.publish(FeedbackRequested(request=request), organization=org.organization)
    held = await eventually_value(
        lambda: deliveries_to(notifications_db, mentee.id),
        lambda rows: sum(row.status == "held" for row in rows) == 2,
        what="two held deliveries",
    )
    assert len({row.due_at for row in held if row.status == "held"}) == 1  # the same digest
    assert len(mail_for(mail, mentee.email)) == 1  # the match, at once; the requests wait
    async with notifications_db() as db, db.begin():  # the digest's time comes
        await db.execute(
            update(Delivery)
            .where(Delivery.person_id == mentee.id, Delivery.status == "held")
            .values(due_at=now())
        )
    [_, digest] = await wait_for_mail(mail, mentee.email, 2)
    assert digest["Subject"] == "Your daily mentorship digest: 2 updates"
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert "How did your session with Grete Hermann go?" in text and "Time for a check-in" in text
    # The server's answer is recorded just after it took the message.
    rows = await eventually_value(
        lambda: deliveries_to(notifications_db, mentee.id),
        lambda rows: "sending" not in {row.status for row in rows},
        what="the digest's outcome recorded",
    )
    assert sorted(row.status for row in rows) == ["digested", "digested", "sent", "sent"]
