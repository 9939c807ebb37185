"""One-click unsubscribe from a real email's header (RFC 8058), and the delivery log admins read."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest

from mentorship.mail_sink import MailSink
from shared.contracts.matching import MatchStatus
from shared.contracts.scheduling import SessionReminderDue, SessionScheduled
from tests.notifications.conftest import Bus, Org, mail_for, now, wait_for_mail

pytestmark = pytest.mark.usefixtures("notifications_worker")


async def test_one_click_in_the_email_stops_that_kind_of_email_and_nothing_else(
    org: Org, bus: Bus, sink: tuple[MailSink, int], notifications_client: httpx.AsyncClient
) -> None:
    mail, _ = sink
    await org.program()
    mentor = await org.person("Margaret Hamilton")
    mentee = await org.person("Sophie Wilson")
    session = org.session(org.match(mentor, mentee, MatchStatus.ACCEPTED), start=now() + timedelta(hours=2))
    await bus.publish(
        SessionReminderDue(session=session, recipient_id=mentee.id, minutes_before=60),
        organization=org.organization,
    )
    [reminder] = await wait_for_mail(mail, mentee.email)
    link = reminder["List-Unsubscribe"].split(",")[0].strip(" <>")
    path = urlsplit(link).path

    page = await notifications_client.get(path)  # a mail scanner following the link changes nothing
    assert page.status_code == 200 and "A session is coming up" in page.text
    clicked = await notifications_client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert clicked.status_code == 200, clicked.text
    assert clicked.json() == {"unsubscribed": "session_reminder", "channel": "email"}
    preferences = await notifications_client.get("/v1/me/preferences", headers=org.as_person(mentee.id))
    assert preferences.json()["kinds"]["session_reminder"]["channels"]["email"] is False

    again = SessionReminderDue(session=session, recipient_id=mentee.id, minutes_before=15)
    await bus.publish(again, organization=org.organization)
    await bus.publish(
        SessionScheduled(session=org.session(session_match(session, org), start=now() + timedelta(days=3))),
        organization=org.organization,
    )
    await wait_for_mail(mail, mentee.email, 2)  # the booking still comes
    await bus.settled()
    subjects = [message["Subject"] for message in mail_for(mail, mentee.email)]
    assert len(subjects) == 2 and sum(subject.startswith("Coming up") for subject in subjects) == 1

    forged = path.rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAAAAAAAA"
    assert (await notifications_client.post(forged)).status_code == 404


def session_match(session: object, org: Org) -> object:
    from shared.contracts.matching import MatchState

    return MatchState(
        id=session.match_id, organization=org.organization, version=1, program_id=org.program_id,  # type: ignore[attr-defined]
        mentee_id=session.mentee_id, mentor_id=session.mentor_id, status=MatchStatus.ACCEPTED,  # type: ignore[attr-defined]
        source="round", score=0.5, created_at=now(), updated_at=now(),
    )  # fmt: skip


async def test_admins_read_what_the_mail_server_answered_and_nobody_else_does(
    org: Org, bus: Bus, sink: tuple[MailSink, int], notifications_client: httpx.AsyncClient
) -> None:
    mail, _ = sink
    await org.program()
    mentor = await org.person("Adele Goldberg")
    mentee = await org.person("Lynn Conway")
    session = org.session(org.match(mentor, mentee, MatchStatus.ACCEPTED), start=now() + timedelta(days=1))
    await bus.publish(SessionScheduled(session=session), organization=org.organization)
    [message] = await wait_for_mail(mail, mentee.email)
    admin = org.admin

    async def sent() -> list[dict[str, object]]:
        response = await notifications_client.get(
            "/v1/deliveries", params={"person_id": str(mentee.id), "status": "sent"}, headers=admin
        )
        return list(response.json()["items"])

    from tests.toolkit import eventually

    [delivery] = await eventually(lambda: _non_empty(sent), what="the delivery is recorded as sent")
    assert delivery["channel"] == "email" and delivery["kind"] == "session_booked"
    assert delivery["message_id"] == message["Message-ID"] and str(delivery["last_response"]).startswith(
        "250"
    )
    detail = await notifications_client.get(f"/v1/deliveries/{delivery['id']}", headers=admin)
    assert [entry["status"] for entry in detail.json()["log"]] == ["queued", "sent"]
    assert (
        "Sophie" not in detail.text and "Lynn Conway" not in detail.text
    )  # ids and the server's answer only
    other_admin = org.auth("another-org", str(uuid.uuid4()), "admin")
    assert (
        await notifications_client.get(f"/v1/deliveries/{delivery['id']}", headers=other_admin)
    ).status_code == 404
    assert (
        await notifications_client.get("/v1/deliveries", headers=org.as_person(mentee.id))
    ).status_code == 403
    resend = await notifications_client.post(f"/v1/deliveries/{delivery['id']}/resend", headers=admin)
    assert resend.status_code == 409  # it was sent: nothing to send again


async def _non_empty(probe: object) -> object:
    found = await probe()  # type: ignore[operator]
    return found or None
