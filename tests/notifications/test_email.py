"""Email end to end through real events, a real worker and a real SMTP server: what is sent, to
whom, with which headers, parts and calendar invitation; and never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from mentorship.mail_sink import MailSink
from shared.contracts.matching import MatchProposed, MatchStatus
from shared.contracts.scheduling import SessionCanceled, SessionRescheduled, SessionScheduled, SessionStatus
from tests.notifications.conftest import Bus, Org, mail_for, now, wait_for_mail

pytestmark = pytest.mark.usefixtures("notifications_worker")


def invitation(message: object) -> Calendar:
    [attachment] = [part for part in message.iter_attachments()]  # type: ignore[attr-defined]
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "invite.ics"
    return Calendar.from_ical(attachment.get_content())


async def test_a_booked_session_emails_both_people_with_an_invitation_in_their_zone(
    org: Org, bus: Bus, sink: tuple[MailSink, int]
) -> None:
    mail, _ = sink
    await org.program("Applied ML mentoring")
    mentor = await org.person("Grace Hopper", time_zone="America/New_York")
    mentee = await org.person("Alan Turing", time_zone="Europe/Paris", languages=["fr"])
    match = org.match(mentor, mentee, MatchStatus.ACCEPTED)
    start = (now() + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    session = org.session(match, start=start)
    await bus.publish(
        SessionScheduled(session=session), organization=org.organization, subject=str(session.id)
    )

    [to_mentee] = await wait_for_mail(mail, mentee.email)
    [to_mentor] = await wait_for_mail(mail, mentor.email)

    # In the reader's language, with the other person's name and the program.
    assert to_mentee["Subject"].startswith("Séance avec Grace Hopper")
    assert to_mentor["Subject"].startswith("Session with Alan Turing")
    text = to_mentor.get_body(preferencelist=("plain",)).get_content()
    html = to_mentor.get_body(preferencelist=("html",)).get_content()
    assert "Applied ML mentoring" in text and "https://meet.example.org/abc-defg" in text
    assert "style=" in html and "<style" not in html  # CSS inlined for mail clients
    # One-click unsubscribe (RFC 8058) and a stable Message-ID.
    assert to_mentor["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [part.strip(" <>") for part in to_mentor["List-Unsubscribe"].split(",")]
    assert https.startswith("http") and "/v1/unsubscribe/" in https and mailto.startswith("mailto:")
    assert to_mentor["Message-ID"] != to_mentee["Message-ID"]
    # The invitation: METHOD:REQUEST, the session's UID, times in the reader's own zone.
    calendar = invitation(to_mentor)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.events
    assert str(event["UID"]) == f"{session.id}@mentorship"
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.start == start
    assert invitation(to_mentee).events[0]["DTSTART"].params["TZID"] == "Europe/Paris"


async def test_a_moved_then_canceled_session_updates_and_then_cancels_the_invitation(
    org: Org, bus: Bus, sink: tuple[MailSink, int]
) -> None:
    mail, _ = sink
    await org.program()
    mentor = await org.person("Ada Lovelace")
    mentee = await org.person("Katherine Johnson")
    match = org.match(mentor, mentee, MatchStatus.ACCEPTED)
    start = now() + timedelta(days=5)
    booked = org.session(match, start=start)
    await bus.publish(SessionScheduled(session=booked), organization=org.organization)
    moved = org.session(match, start=start + timedelta(days=1), version=2, session_id=booked.id)
    await bus.publish(SessionRescheduled(session=moved, previous_start=start), organization=org.organization)
    canceled = org.session(
        match,
        start=moved.start,
        version=3,
        session_id=booked.id,
        status=SessionStatus.CANCELED,
        cancel_reason="sick",
    )
    await bus.publish(SessionCanceled(session=canceled), organization=org.organization)

    messages = await wait_for_mail(mail, mentee.email, 3)
    by_subject = {message["Subject"].split(" ")[0]: message for message in messages}
    update = invitation(by_subject["Session"] if "Session" in by_subject else messages[1])
    moved_message = next(m for m in messages if "moved" in m["Subject"])
    canceled_message = next(m for m in messages if m["Subject"].startswith("Canceled"))
    update = invitation(moved_message)
    assert update["METHOD"] == "REQUEST" and update.events[0]["SEQUENCE"] == 1
    cancel = invitation(canceled_message)
    assert cancel["METHOD"] == "CANCEL"
    assert cancel.events[0]["STATUS"] == "CANCELLED" and cancel.events[0]["SEQUENCE"] == 2
    assert "sick" in canceled_message.get_body(preferencelist=("plain",)).get_content()


async def test_a_redelivered_event_sends_nothing_twice(
    org: Org, bus: Bus, sink: tuple[MailSink, int]
) -> None:
    mail, _ = sink
    await org.program()
    mentor = await org.person("Barbara Liskov")
    mentee = await org.person("Edsger Dijkstra")
    proposed = org.match(mentor, mentee, MatchStatus.PROPOSED)
    envelope = await bus.publish(MatchProposed(match=proposed), organization=org.organization)
    await wait_for_mail(mail, mentee.email)
    for _ in range(3):  # past the stream's duplicate window: the consumer sees it again
        await bus.redeliver(envelope)
    await bus.settled()
    assert len(mail_for(mail, mentee.email)) == 1
    assert len(mail_for(mail, mentor.email)) == 1
