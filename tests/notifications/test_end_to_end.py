"""End to end through the real services and their events: people and a program made in profiles,
a matching round published and accepted, a session booked in scheduling; the notifications worker
turns those events into the expected emails (a valid calendar invitation with the booking) and the
mentee's open live stream shows the booking as it happens."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from icalendar import Calendar

from mentorship.mail_sink import MailSink
from tests.conftest import AuthHeaders, Platform, new_org, running_workers, service_client
from tests.notifications.conftest import events, served, wait_for_mail
from tests.toolkit import eventually

WEEKDAYS = [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(7)]


def person(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{name.lower()}-{time.monotonic_ns()}@example.com",
        "name": name,
        "time_zone": "Europe/Berlin",
        "languages": ["en"],
        "availability": WEEKDAYS,
        **fields,
    }


async def test_a_round_published_and_a_session_booked_reach_both_people_by_email_and_the_inbox_live(
    notifications_platform: Platform,
    auth: AuthHeaders,
    sink: tuple[MailSink, int],
    settings_overrides: dict[str, object],
) -> None:
    mail, _ = sink
    org = new_org()
    admin = auth(org, str(uuid.uuid4()), "admin")
    async with (
        service_client("profiles", notifications_platform) as profiles,
        service_client("matching", notifications_platform) as matching,
        service_client("scheduling", notifications_platform) as scheduling,
        running_workers(notifications_platform, "profiles", "matching", "scheduling"),
        running_workers(notifications_platform, "notifications", **settings_overrides),
    ):

        async def created(url: str, body: dict[str, Any]) -> dict[str, Any]:
            response = await profiles.post(url, json=body, headers=admin)
            assert response.status_code == 201, response.text
            return dict(response.json())

        mentor = await created(
            "/v1/people",
            person("Grace", seniority="staff", skills=[{"skill": "pytorch", "level": 5}], mentor_capacity=2,
                   guidance=["technical"], goals=["help people ship models"], time_zone="America/New_York"),
        )  # fmt: skip
        mentee = await created(
            "/v1/people",
            person("Alan", seniority="junior", guidance=["technical"], goals=["ship my first model"],
                   learning_interests=[{"skill": "pytorch", "current_level": 1, "target_level": 3}]),
        )  # fmt: skip
        today = date.today()
        program = await created(
            "/v1/programs",
            {"name": "Deep learning mentoring", "objective": "technical_skills", "status": "active",
             "cohort_start": today.isoformat(), "cohort_end": (today + timedelta(days=120)).isoformat()},
        )  # fmt: skip
        for who, role in ((mentor, "mentor"), (mentee, "mentee")):
            await created(f"/v1/programs/{program['id']}/enrollments", {"person_id": who["id"], "role": role})

        async def suggested() -> bool:
            response = await matching.get(
                f"/v1/programs/{program['id']}/suggestions?mentee_id={mentee['id']}", headers=admin
            )
            return response.status_code == 200 and bool(response.json()["items"])

        await eventually(suggested, what="matching knows the pair")
        round_ = await matching.post(f"/v1/programs/{program['id']}/rounds", json={}, headers=admin)
        assert round_.status_code == 201, round_.text
        published = await matching.post(f"/v1/rounds/{round_.json()['id']}/publish", headers=admin)
        assert published.status_code == 200, published.text

        [to_mentee] = await wait_for_mail(mail, mentee["email"], timeout=30)
        [to_mentor] = await wait_for_mail(mail, mentor["email"], timeout=30)
        assert to_mentee["Subject"] == "You have a proposed mentor in Deep learning mentoring"
        assert to_mentor["Subject"] == "You have a proposed mentee in Deep learning mentoring"
        assert "Grace" in to_mentee.get_body(preferencelist=("plain",)).get_content()

        [match] = (await matching.get(f"/v1/matches?program_id={program['id']}", headers=admin)).json()[
            "items"
        ]
        for who, role in ((mentee, "mentee"), (mentor, "mentor")):
            answer = await matching.post(
                f"/v1/matches/{match['id']}/accept", headers=auth(org, who["id"], role)
            )
            assert answer.status_code == 200, answer.text
        await wait_for_mail(mail, mentee["email"], 2, timeout=30)  # "You and Grace are matched"

        mentee_headers = auth(org, mentee["id"], "mentee")

        async def slots() -> list[dict[str, Any]] | None:
            response = await scheduling.get(f"/v1/matches/{match['id']}/slots", headers=mentee_headers)
            return response.json()["items"] or None if response.status_code == 200 else None

        first = (await eventually(slots, what="scheduling offers slots"))[0]
        async with (
            served(notifications_platform, settings_overrides) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=30) as api,
        ):
            inbox_now = await api.get("/v1/me/notifications", headers=mentee_headers)
            last_seen = str(inbox_now.json()["items"][0]["seq"])
            async with api.stream(
                "GET", "/v1/me/notifications/stream", headers={**mentee_headers, "Last-Event-ID": last_seen}
            ) as stream:
                booked = await scheduling.post(
                    f"/v1/matches/{match['id']}/sessions",
                    json={
                        "format": "video",
                        "start": first["start"],
                        "meeting_url": "https://meet.example/ga",
                    },
                    headers=mentee_headers,
                )
                assert booked.status_code == 201, booked.text
                [(_, live)] = await asyncio.wait_for(events(stream, 1), timeout=30)
        assert live["kind"] == "session_booked" and live["title"].startswith("Session with Grace on ")
        assert live["links"]["session_id"] == booked.json()["id"]

        invitation_mail = (await wait_for_mail(mail, mentor["email"], 3, timeout=30))[-1]
        [attachment] = list(invitation_mail.iter_attachments())
        calendar = Calendar.from_ical(attachment.get_content())
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.events
        assert str(event["UID"]) == f"{booked.json()['id']}@mentorship"
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert event.start.isoformat().replace("+00:00", "Z") == booked.json()["start"] or event.start == (
            __import__("datetime").datetime.fromisoformat(booked.json()["start"].replace("Z", "+00:00"))
        )
        assert {str(attendee).removeprefix("mailto:") for attendee in event["ATTENDEE"]} == {
            mentor["email"],
            mentee["email"],
        }
