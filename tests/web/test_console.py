"""The reference console in Chromium, operated with the keyboard alone, checked with axe-core.

The issue's "done when", exactly: from the one URL of `mentorship run`, a mentee signs in (development
sign-in), requests a mentor; the mentor signs in, accepts, books a common slot, and finds the session
in their calendar feed. Then a program admin creates a program, runs a matching round, reviews the
draft with its score breakdowns, publishes it, and sees analytics with the health chart, pairs at risk
and the fairness audit. Every screen passes axe's checks (no serious or critical violation).
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mentorship.platform_client import Document, PlatformClient
from mentorship.services import names
from tests.toolkit import eventually
from tests.web.conftest import SCREENSHOTS, RunningPlatform


def person(name: str, time_zone: str, start: str, end: str, days: int = 7, **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:8]}@example.com",
        "name": name,
        "time_zone": time_zone,
        "languages": ["en"],
        "availability": [{"weekday": day, "start": start, "end": end} for day in range(days)],
        **fields,
    }


async def tab_to(page: Any, target: Any, *, limit: int = 120, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab `backwards`) until `target` has the focus: it must be reachable in the
    page's focus order."""
    await target.wait_for(state="visible")
    for _ in range(limit):
        if await target.evaluate("element => element === document.activeElement"):
            return
        await page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{target} cannot be reached with the Tab key")


async def press(page: Any, target: Any, key: str = "Enter") -> None:
    await tab_to(page, target)
    await page.keyboard.press(key)


async def type_into(page: Any, target: Any, text: str) -> None:
    await tab_to(page, target)
    await page.keyboard.press("Control+A")
    await page.keyboard.type(text)


async def choose(page: Any, select: Any, label: str, value: str) -> None:
    """In the focused drop-down, pick an option by typing its first letters, as a keyboard user does."""
    await page.keyboard.type(label)
    assert await select.input_value() == value, f"typing {label!r} did not choose {value!r}"


def nav(page: Any, name: str) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


async def accessible(page: Any, screen: str) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    grave = [
        (violation["id"], violation["help"], [node["target"] for node in violation["nodes"]][:3])
        for violation in results.response["violations"]
        if violation.get("impact") in ("serious", "critical")
    ]
    assert grave == [], f"{screen}: {grave}"
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{screen}.png"), full_page=True)


async def sign_in(
    page: Any, url: str, organization: str, name: str, described: str | re.Pattern[str] = ""
) -> None:
    """Through the development sign-in page, with the keyboard: organization, name, sign in. The
    page says what the person is in the programs (`described`), e.g. a mentee without a mentor yet."""
    await page.goto(f"{url}/")
    await page.get_by_role("heading", name="Welcome to Mentorship").wait_for()
    await press(page, page.get_by_role("main").get_by_role("button", name="Sign in"))
    await page.wait_for_url("**/dev/sign-in**")
    await type_into(page, page.get_by_label("Organization", exact=True), organization)
    await type_into(page, page.get_by_label("Find a person by name"), name)
    await page.keyboard.press("Enter")
    await page.get_by_text(name, exact=True).wait_for()
    if described:
        await page.locator("label", has_text=name).get_by_text(described).wait_for()
    await accessible(page, "sign-in")
    await press(page, page.get_by_role("button", name="Sign in", exact=True))
    await page.wait_for_url(f"{url}/")
    await page.get_by_role("button", name="Sign out").wait_for()


async def known_to_matching(client: PlatformClient, program_id: str, mentee_id: str) -> bool:
    async def suggested() -> list[Document] | None:
        try:
            return await client.suggestions(program_id, mentee_id) or None
        except Exception:
            return None

    return bool(await eventually(suggested, timeout=90, what="matching knows the mentee"))


def program(name: str, mode: str) -> dict[str, Any]:
    today = date.today()
    return {
        "name": name,
        "objective": "technical_skills",
        "matching_mode": mode,
        "status": "active",
        "cohort_start": today.isoformat(),
        "cohort_end": (today + timedelta(days=90)).isoformat(),
        "session_length_minutes": 45,
        "session_cadence": "weekly",
    }


@pytest.fixture(scope="module")
async def cohort(console_platform: RunningPlatform) -> dict[str, Any]:
    """Through the gateway's APIs: a mentee-choice program with a mentee in Berlin and a mentor in
    Tokyo, and an admin-approved program with a few more people for the admin's matching round."""
    url = console_platform.url
    organization = f"console-{uuid.uuid4().hex[:8]}"
    clients = {name: httpx.AsyncClient(base_url=f"{url}/{name}", timeout=30) for name in names()}
    client = PlatformClient(clients, organization=organization)
    try:
        await client.update_scheduling_policy(meeting_url_template="https://meet.example/{session_id}")
        mentee = await client.create_person(person("Ana Lima", "Europe/Berlin", "07:00", "21:00", days=5))
        mentor = await client.create_person(
            person(
                "Kenji Watanabe",
                "Asia/Tokyo",
                "08:00",
                "23:30",
                title="Staff ML engineer",
                skills=[{"skill": "pytorch", "level": 5}, {"skill": "llms", "level": 5}],
                mentor_capacity=3,
            )
        )
        choice = await client.create_program(program("LLM engineering", "mentee_choice"))
        await client.enroll(choice["id"], mentor["id"], "mentor")
        await client.enroll(choice["id"], mentee["id"], "mentee")

        onboarding = await client.create_program(program("AI onboarding", "admin_approved"))
        mentors = [
            mentor,
            await client.create_person(
                person(
                    "Priya Rao",
                    "Asia/Kolkata",
                    "09:00",
                    "19:00",
                    skills=[{"skill": "nlp", "level": 5}],
                    mentor_capacity=2,
                )
            ),
        ]
        mentees = [
            await client.create_person(person(name, zone, "08:00", "20:00"))
            for name, zone in (("Sam Carter", "America/New_York"), ("Lea Vogel", "Europe/Berlin"))
        ]
        for each in mentors:
            await client.enroll(onboarding["id"], each["id"], "mentor")
        for each in mentees:
            await client.enroll(onboarding["id"], each["id"], "mentee")
        await known_to_matching(client, choice["id"], mentee["id"])
        await known_to_matching(client, onboarding["id"], mentees[-1]["id"])
    finally:
        for http in clients.values():
            await http.aclose()
    return {"organization": organization, "mentee": mentee, "mentor": mentor, "onboarding": onboarding}


async def test_a_newcomer_signs_in_as_a_mentee_requests_a_mentor_who_accepts_books_and_sees_it_in_the_feed(
    console_platform: RunningPlatform, browser: Any, cohort: dict[str, Any]
) -> None:
    url, organization = console_platform.url, cohort["organization"]
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(f"{url}/")
        await accessible(page, "welcome")

        # The mentee signs in and asks the suggested mentor, keyboard only.
        await sign_in(page, url, organization, "Ana Lima", "mentee in LLM engineering (no mentor yet)")
        await page.get_by_role("heading", name="Hello, Ana Lima").wait_for()
        await accessible(page, "home-mentee")

        # She adds Saturday to her availability (weekdays only so far).
        await press(page, nav(page, "Profile and availability"))
        await page.get_by_role("heading", name="Profile and availability").wait_for()
        await press(page, page.get_by_role("button", name="Add a time"))
        added = page.get_by_role("group", name="Available time 6")
        day = added.get_by_label("Day")
        await tab_to(page, day, backwards=True)  # just before "Add a time"
        await choose(page, day, "Saturday", "5")
        await accessible(page, "profile")
        await press(page, page.get_by_role("button", name="Save profile"))
        await page.get_by_text("Your profile is saved.").wait_for()
        await press(page, nav(page, "Find a mentor"))
        request = page.get_by_role("button", name="Request Kenji Watanabe as mentor")
        await page.get_by_text("Staff ML engineer").or_(request).first.wait_for()
        await request.wait_for()
        await accessible(page, "find-mentor")
        await type_into(
            page, page.get_by_label("A message for the mentor you ask (optional)"), "Hello Kenji!"
        )
        await press(page, request)
        await page.get_by_text("You asked Kenji Watanabe to be your mentor").wait_for()
        await press(page, page.get_by_role("button", name="Sign out"))
        await page.get_by_role("heading", name="Welcome to Mentorship").wait_for()
        await page.wait_for_load_state()

        # The mentor signs in, sees the request waiting, accepts, and books a common slot.
        # Now with a request under way in that program.
        paired = re.compile(r"mentor in LLM engineering(?! \(no mentee yet\))")
        await sign_in(page, url, organization, "Kenji Watanabe", paired)
        waiting = page.get_by_role("link", name="Ana Lima (your mentee)")
        await waiting.wait_for()
        await page.get_by_text("waiting for you").wait_for()
        await press(page, waiting)
        await page.get_by_role("heading", name="Mentorship with Ana Lima").wait_for()
        await accessible(page, "match-request")
        await press(page, page.get_by_role("button", name="Accept"))
        await page.get_by_text("You accepted.").wait_for()
        first_slot = page.get_by_role("radio").first
        await first_slot.wait_for(timeout=60_000)  # scheduling learns of the match from events
        # Each slot reads in both people's clocks.
        label = await page.locator("label[for='slot-0']").inner_text()
        assert "You:" in label and "Ana Lima:" in label, label
        await accessible(page, "book-a-session")
        await tab_to(page, first_slot)
        await page.keyboard.press("Space")
        assert await first_slot.is_checked()
        await press(page, page.get_by_role("button", name="Book this time"))
        await page.get_by_role("heading", name="Session booked").wait_for()

        # The session is in the mentor's calendar feed.
        await press(
            page, page.get_by_role("link", name="See it with your other sessions and your calendar feed")
        )
        await page.get_by_role("heading", name="Sessions and calendar").wait_for()
        await page.get_by_role("cell", name="scheduled").wait_for()
        await press(page, page.get_by_role("button", name="Create a calendar feed"))
        feed = page.get_by_label("Subscription address")
        await feed.wait_for()
        await accessible(page, "sessions-and-calendar")
        feed_url = await feed.input_value()
        assert feed_url.startswith(f"{url}/scheduling/v1/calendar-feeds/"), feed_url
        async with httpx.AsyncClient(timeout=30) as http:
            calendar = await http.get(feed_url)
        assert calendar.status_code == 200
        assert calendar.headers["content-type"].startswith("text/calendar")
        assert calendar.text.count("BEGIN:VEVENT") == 1, calendar.text
        assert "Ana Lima" in calendar.text

        # On the home screen, with its join link.
        await press(page, nav(page, "Home"))
        await page.get_by_role("link", name="Join").first.wait_for()

        # After an asynchronous check-in is held, the mentor answers the feedback it asks for.
        match_id = await booked_match_id(console_platform, cohort)
        await book_check_in(console_platform, cohort, match_id)
        await press(page, nav(page, "Sessions and calendar"))
        held = page.get_by_role("row").filter(has_text="async").get_by_role("button", name="Mark as held")
        await press(page, held)
        await page.get_by_text("The session is marked as held.").wait_for()
        give = page.get_by_role("link", name="Give feedback on a session").first
        for _ in range(30):  # feedback opens the request from scheduling's event
            if await give.count():
                break
            await page.reload()
            await page.get_by_role("heading", name="Sessions and calendar").wait_for()
            await page.wait_for_timeout(1000)
        await press(page, give)
        await page.get_by_role("heading", name="Feedback on your session").wait_for()
        scales = page.locator("fieldset.scale")
        await scales.first.wait_for()
        for index in range(await scales.count()):
            await tab_to(page, scales.nth(index).get_by_role("radio").first)
            for _ in range(3):  # arrow keys move through a radio group, choosing as they go
                await page.keyboard.press("ArrowRight")
        await accessible(page, "feedback")
        await press(page, page.get_by_role("button", name="Send feedback"))
        await page.get_by_text("Thank you: your feedback is in.").wait_for()

        # Responsive: at a phone's width no screen scrolls sideways, and axe still finds nothing grave.
        await page.set_viewport_size({"width": 375, "height": 740})
        screens = [("Home", "Hello, Kenji Watanabe"), ("Sessions and calendar", "Sessions and calendar")]
        for link, heading in screens:
            await press(page, nav(page, link))
            await page.get_by_role("heading", name=heading).wait_for()
            width = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"{link} scrolls sideways at 375 px: {width}"
            await accessible(page, f"phone-{link.split()[0].lower()}")
    finally:
        await context.close()


async def test_a_program_admin_creates_a_program_runs_and_publishes_a_round_and_sees_how_it_goes(
    console_platform: RunningPlatform, browser: Any, cohort: dict[str, Any]
) -> None:
    url, organization = console_platform.url, cohort["organization"]
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await sign_in_as_operator(page, url, organization)
        await page.get_by_role("heading", name="Programs").wait_for()
        await accessible(page, "admin-programs")
        name = f"Responsible AI {uuid.uuid4().hex[:4]}"
        await type_into(page, page.get_by_label("Name", exact=True), name)
        matching_mode = page.get_by_label("Matching")
        await tab_to(page, matching_mode)
        await choose(page, matching_mode, "admin approved", "admin_approved")
        await press(page, page.get_by_role("button", name="Create program"))
        await page.get_by_role("heading", name=name).wait_for()
        # Feedback learns of the new program from events a moment later: its analytics then appear
        # on their own, rather than a "not found" left on the screen.
        await page.get_by_role("img", name="Relationship health of the program's matches by week").wait_for()
        assert await page.get_by_role("alert").count() == 0, await page.get_by_role("alert").all_inner_texts()
        await press(page, nav(page, "Programs"))
        await page.get_by_role("link", name=name).wait_for()

        # The cohort's program: a round, reviewed with its breakdowns, then published.
        await press(page, page.get_by_role("link", name="AI onboarding"))
        await page.get_by_role("heading", name="AI onboarding").wait_for()
        await press(page, page.get_by_role("button", name="Run a matching round"))
        await page.get_by_text("A draft round is ready for review.").wait_for()
        await page.get_by_role(
            "table", name="Proposals of the draft round, with their score breakdowns"
        ).wait_for()
        summary = page.locator("summary").first
        await press(page, summary)
        await page.get_by_role("table").filter(has_text="Component").first.wait_for()
        await accessible(page, "admin-round-draft")
        await press(page, page.get_by_role("button", name="Publish this round"))
        # The round's own outcome: published, or the problem the publication met.
        round_section = page.get_by_role("region", name="Matching round")
        published = round_section.get_by_text("The round is published")
        failed = round_section.get_by_role("alert")
        await published.or_(failed).first.wait_for(timeout=60_000)
        assert await published.count(), await failed.all_inner_texts()

        # Analytics with the health chart, pairs at risk, and the fairness audit.
        await page.get_by_role("img", name="Relationship health of the program's matches by week").wait_for()
        await page.get_by_role("heading", name="Pairs at risk").wait_for()
        await press(
            page, page.get_by_role("button", name="Audit by department, seniority and time-zone region")
        )
        await page.get_by_text("mentees matched").wait_for()
        await accessible(page, "admin-program")
    finally:
        await context.close()


async def sign_in_as_operator(page: Any, url: str, organization: str) -> None:
    await page.goto(f"{url}/dev/sign-in?org={organization}&q=nobody-{uuid.uuid4().hex[:6]}")
    operator = page.get_by_role("radio", name="The organization's operator")
    await tab_to(page, operator)
    await page.keyboard.press("Space")
    await press(page, page.get_by_role("button", name="Sign in", exact=True))
    await page.wait_for_url(f"{url}/")
    await page.get_by_role("button", name="Sign out").wait_for()


async def booked_match_id(platform: RunningPlatform, cohort: dict[str, Any]) -> str:
    async with gateway_client(platform, cohort) as client:
        matches = await client.list_matches(person_id=cohort["mentor"]["id"])
        (match,) = [
            m
            for m in matches
            if m["mentee_id"] == cohort["mentee"]["id"] and m["status"] in ("accepted", "active")
        ]
        return str(match["id"])


async def book_check_in(platform: RunningPlatform, cohort: dict[str, Any], match_id: str) -> None:
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()
    async with gateway_client(platform, cohort) as client:
        await client.book_session(
            match_id,
            {"format": "async", "due": due, "prompt": "What do you want out of this mentorship?"},
            actor=PlatformClient.person(cohort["mentor"]["id"], "mentor"),
        )


@contextlib.asynccontextmanager
async def gateway_client(platform: RunningPlatform, cohort: dict[str, Any]) -> AsyncIterator[PlatformClient]:
    async with PlatformClient.connect(
        {name: f"{platform.url}/{name}" for name in names()}, organization=cohort["organization"]
    ) as client:
        yield client
