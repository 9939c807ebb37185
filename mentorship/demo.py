"""`mentorship demo seed`: a realistic demo organization, built through the platform's own APIs.

Everything goes through the HTTP APIs of a running platform (`make run`), as a frontend or an HR
integration would, and every cross-service step waits for the events that carry it: people and
programs in profiles, a published and accepted round (admin-approved program) and mentee requests
(mentee-choice program) in matching, booked and completed sessions in scheduling, and feedback.

Running it again on the same organization continues the same demo instead of duplicating it:
people, programs and enrollments are created with Idempotency-Keys derived from their external
ids (the APIs replay them), and the later steps act only on what is still pending (a draft round,
proposed matches, mentorships without sessions, open feedback requests). `--org` another name for
a second, separate demo.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from mentorship.api_options import (
    DEFAULT_BASE_URL,
    DEFAULT_ORGANIZATION,
    BaseUrl,
    Organization,
    PortBase,
    admin_subject,
    run_against_platform,
    urls,
)
from mentorship.demo_population import DemoPerson, demo_people, manager_of, programs, wants_llm_program
from mentorship.platform_client import ApiError, Document, PlatformClient
from mentorship.services import DEFAULT_PORT_BASE

T = TypeVar("T")
R = TypeVar("R")

ONBOARDING, LLM = "AI onboarding", "LLM engineering"
MEETING_LINK_TEMPLATE = "https://meet.example/{session_id}"
CONCURRENCY = 8
EVENT_WAIT_SECONDS = 180.0

demo = typer.Typer(help="A realistic demo organization on a running platform.", no_args_is_help=True)
out = Console()
console = Console(stderr=True)


@dataclass
class SeedReport:
    """What the seed created (or found already there), for the closing summary."""

    organization: str
    people: list[DemoPerson] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # external id -> person id
    programs: dict[str, Document] = field(default_factory=dict)
    enrolled: Counter[str] = field(default_factory=Counter)  # "program/role" -> count
    round: Document | None = None
    matches: Counter[str] = field(default_factory=Counter)  # "program/status" -> count
    sessions: Counter[str] = field(default_factory=Counter)
    feedback_submitted: int = 0
    analytics: dict[str, Document] = field(default_factory=dict)
    example_match: Document | None = None


async def eventually(probe: Callable[[], Awaitable[T | None]], *, what: str, timeout: float) -> T:
    """The first result of `probe` that is not None, polled until `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s (are the workers running?)")
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 1.0)


class Seeder:
    """The demo's steps, each one a progress bar, against one organization."""

    def __init__(self, client: PlatformClient, *, people: int, seed: int, progress: Progress) -> None:
        self.client = client
        self.seed = seed
        self.progress = progress
        self.report = SeedReport(organization=client.organization, people=demo_people(seed, people))
        self._limit = asyncio.Semaphore(CONCURRENCY)

    def _rng(self, purpose: str) -> random.Random:
        return random.Random(f"{self.seed}:{purpose}")

    async def _each(self, description: str, items: Sequence[T], work: Callable[[T], Awaitable[R]]) -> list[R]:
        """`work` on every item, a few at a time, advancing one progress bar."""
        task = self.progress.add_task(description, total=len(items))

        async def one(item: T) -> R:
            async with self._limit:
                result = await work(item)
            self.progress.advance(task)
            return result

        return list(await asyncio.gather(*(one(item) for item in items)))

    def _step(self, description: str) -> TaskID:
        return self.progress.add_task(description, total=1)

    def _done(self, task: TaskID) -> None:
        self.progress.update(task, completed=1)

    async def run(self) -> SeedReport:
        await self.scheduling_policy()
        await self.create_people()
        await self.create_programs()
        enrolled = await self.enroll()
        await self.wait_for_matching(enrolled)
        await self.onboarding_round()
        await self.mentee_requests()
        await self.sessions()
        await self.feedback()
        await self.collect()
        return self.report

    # --- profiles --------------------------------------------------------------------------------

    async def scheduling_policy(self) -> None:
        """Video sessions get a meeting link from the organization's template."""
        policy = await self.client.document("scheduling", "GET", "/v1/scheduling-policy")
        if not policy.get("meeting_url_template"):
            await self.client.update_scheduling_policy(meeting_url_template=MEETING_LINK_TEMPLATE)

    async def create_people(self) -> None:
        people = self.report.people
        directors = [person for person in people if person.director]
        others = [person for person in people if not person.director]

        async def create(person: DemoPerson) -> None:
            body = dict(person.body)
            manager = manager_of(person, directors)
            if manager is not None:
                body["manager_id"] = self.report.ids[manager.external_id]
            created = await self.client.create_person(body, key=f"demo-person-{person.external_id}")
            self.report.ids[person.external_id] = str(created["id"])

        # Directors first: everyone else names one of them as their manager.
        await self._each("people: directors", directors, create)
        await self._each("people: mentors and mentees", others, create)

    async def create_programs(self) -> None:
        task = self._step("programs")
        existing = {program["name"]: program for program in await self.client.list_programs()}
        for name, body in programs(date.today()).items():
            found = existing.get(name)
            self.report.programs[name] = found or await self.client.create_program(
                body, key=f"demo-program-{name}-{date.today().isoformat()}"
            )
        self._done(task)

    async def enroll(self) -> dict[str, list[DemoPerson]]:
        """Everyone mentors or learns in AI onboarding, except LLM-minded mentees, who pick a mentor in
        LLM engineering; LLM-fluent mentors take one mentee there as well."""
        members: dict[str, list[DemoPerson]] = {ONBOARDING: [], LLM: []}
        for person in self.report.people:
            if person.role == "mentor":
                members[ONBOARDING].append(person)
                if wants_llm_program(person):
                    members[LLM].append(person)
            else:
                members[LLM if wants_llm_program(person) else ONBOARDING].append(person)
        # Mentors first, so a program's last enrollment is a mentee whose suggestions prove it arrived.
        for name in members:
            members[name].sort(key=lambda person: (person.role != "mentor", person.index))
        work = [(name, person) for name, people in members.items() for person in people]

        async def enroll(item: tuple[str, DemoPerson]) -> None:
            name, person = item
            program_id = self.report.programs[name]["id"]
            extra = {"mentor_capacity": 1} if name == LLM and person.role == "mentor" else {}
            await self.client.enroll(
                program_id,
                self.report.ids[person.external_id],
                person.role,
                key=f"demo-enrollment-{program_id}-{person.external_id}",
                goals=person.body.get("goals", [])[:1],
                **extra,
            )
            self.report.enrolled[f"{name}/{person.role}"] += 1

        await self._each("enrollments", work, enroll)
        return members

    # --- matching --------------------------------------------------------------------------------

    async def wait_for_matching(self, members: dict[str, list[DemoPerson]]) -> None:
        """Matching builds its read model from profiles' events: wait until it has every program."""
        task = self._step("matching receives the people (events)")
        for name, people in members.items():
            mentees = [person for person in people if person.role == "mentee"]
            if not mentees:
                continue
            program_id, last = self.report.programs[name]["id"], self.report.ids[mentees[-1].external_id]

            async def known(program_id: str = program_id, mentee_id: str = last) -> bool | None:
                try:
                    await self.client.suggestions(program_id, mentee_id)
                except ApiError:
                    return None
                return True

            await eventually(known, what=f"matching to know the {name} mentees", timeout=EVENT_WAIT_SECONDS)
        self._done(task)

    async def onboarding_round(self) -> None:
        """A program-wide round: planned, published, and accepted by most pairs (some still pending)."""
        task = self._step("AI onboarding: matching round")
        program_id = self.report.programs[ONBOARDING]["id"]
        rounds = await self.client.list_rounds(program_id)
        current = next((r for r in rounds if r["status"] == "published"), None) or next(
            (r for r in rounds if r["status"] == "draft"), None
        )
        if current is None:
            current = await self.client.create_round(program_id)
        if current["status"] == "draft":
            current = await self.client.publish_round(current["id"])
        self.report.round = current
        self._done(task)
        proposed = await self.client.list_matches(program_id=program_id, status="proposed")
        rng = self._rng("accept")
        accepting = [match for match in sorted(proposed, key=lambda m: m["id"]) if rng.random() < 0.85]

        async def accept(match: Document) -> None:
            await self.client.accept_match(
                match["id"], actor=self.client.person(match["mentee_id"], "mentee")
            )
            await self.client.accept_match(
                match["id"], actor=self.client.person(match["mentor_id"], "mentor")
            )

        await self._each("AI onboarding: pairs accept", accepting, accept)

    async def mentee_requests(self) -> None:
        """Mentee choice: mentees request one of their suggested mentors; most mentors accept."""
        program_id = self.report.programs[LLM]["id"]
        taken = {m["mentee_id"] for m in await self.client.list_matches(program_id=program_id)}
        rng = self._rng("requests")
        mentees = [
            self.report.ids[p.external_id]
            for p in self.report.people
            if p.role == "mentee" and wants_llm_program(p) and rng.random() < 0.8
        ]

        async def request(mentee_id: str) -> None:
            if mentee_id in taken:
                return
            for suggestion in await self.client.suggestions(program_id, mentee_id, limit=3):
                try:
                    await self.client.request_mentor(
                        program_id,
                        suggestion["mentor_id"],
                        mentee=self.client.person(mentee_id, "mentee"),
                        message="Hi! I'd love your help building LLM applications.",
                    )
                    return
                except ApiError as exc:
                    if exc.status_code != 409:  # this mentor is taken: try the next suggestion
                        raise

        await self._each("LLM engineering: mentees request mentors", mentees, request)
        requested = await self.client.list_matches(program_id=program_id, status="requested")
        rng = self._rng("answers")
        answering = [match for match in sorted(requested, key=lambda m: m["id"]) if rng.random() < 0.8]

        async def accept(match: Document) -> None:
            try:
                await self.client.accept_match(
                    match["id"], actor=self.client.person(match["mentor_id"], "mentor")
                )
            except ApiError as exc:
                if exc.status_code != 409:  # the mentor filled up with an earlier request
                    raise

        await self._each("LLM engineering: mentors answer", answering, accept)

    # --- scheduling and feedback -----------------------------------------------------------------

    async def _mentorships(self) -> list[Document]:
        """Scheduling's mentorships, once it has every accepted match (from matching's events)."""
        accepted = {
            match["id"]
            for match in await self.client.list_matches()
            if match["status"] in ("accepted", "active")
        }

        async def arrived() -> list[Document] | None:
            mentorships = await self.client.list_mentorships(status="active")
            return mentorships if accepted <= {m["id"] for m in mentorships} else None

        return await eventually(
            arrived, what="scheduling to open the mentorships", timeout=EVENT_WAIT_SECONDS
        )

    async def sessions(self) -> None:
        """Most pairs hold an async check-in (completed), and book their first video call in a
        common slot of their working hours."""
        task = self._step("scheduling receives the matches (events)")
        mentorships = await self._mentorships()
        self._done(task)
        fresh = [m for m in mentorships if m["last_session_at"] is None and m["upcoming_session_at"] is None]
        rng = self._rng("sessions")
        plans = [(m, rng.random() < 0.75, rng.random() < 0.8) for m in sorted(fresh, key=lambda m: m["id"])]
        # A mentor's sessions are booked one after the other: slots are free only until someone books.
        by_mentor: dict[str, list[tuple[Document, bool, bool]]] = {}
        for plan in plans:
            by_mentor.setdefault(plan[0]["mentor_id"], []).append(plan)
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        task = self.progress.add_task("sessions: check-ins and first calls", total=len(plans))

        async def meet(mentorship: Document, check_in: bool, video: bool) -> None:
            mentor = self.client.person(mentorship["mentor_id"], "mentor")
            mentee = self.client.person(mentorship["mentee_id"], "mentee")
            if check_in:
                due = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
                booked = await self.client.book_session(
                    mentorship["id"],
                    {"format": "async", "due": due, "prompt": "What do you want out of this mentorship?"},
                    actor=mentor,
                )
                await self.client.complete_session(booked, actor=mentor)
                self.report.sessions["async check-ins completed"] += 1
            if video:
                slots = await self.client.slots(mentorship["id"], actor=mentee, start=tomorrow, limit=1)
                if slots:
                    await self.client.book_session(
                        mentorship["id"], {"format": "video", "start": slots[0]["start"]}, actor=mentee
                    )
                    self.report.sessions["video sessions booked"] += 1

        async def mentor_meets(mentor_plans: list[tuple[Document, bool, bool]]) -> None:
            for plan in mentor_plans:
                await meet(*plan)
                self.progress.advance(task)

        async def limited(mentor_plans: list[tuple[Document, bool, bool]]) -> None:
            async with self._limit:
                await mentor_meets(mentor_plans)

        await asyncio.gather(*(limited(mentor_plans) for mentor_plans in by_mentor.values()))

    async def feedback(self) -> None:
        """Both sides rate their completed check-ins, mostly well; a few pairs struggle."""
        completed = self.report.sessions["async check-ins completed"]
        task = self._step("feedback receives the sessions (events)")

        async def opened() -> list[Document] | None:
            requests = await self.client.feedback_requests(kind="session", status="open")
            return requests if len(requests) >= 2 * completed else None

        requests = await eventually(opened, what="feedback requests", timeout=EVENT_WAIT_SECONDS)
        self._done(task)
        rng = self._rng("feedback")
        answering = [
            (request, rng.choices((5, 4, 3, 2), weights=(5, 4, 1, 0.5))[0])
            for request in sorted(requests, key=lambda r: r["id"])
            if rng.random() < 0.85
        ]

        async def answer(item: tuple[Document, int]) -> None:
            request, rating = item
            respondent = self.client.person(request["respondent_id"], request["respondent_role"])
            answers: dict[str, Any] = {"rating": rating, "goal_progress": max(1, rating - 1)}
            if request["respondent_role"] == "mentee":
                answers["mentor_rating"] = rating
            await self.client.submit_feedback(request["id"], answers, actor=respondent)
            self.report.feedback_submitted += 1

        await self._each("feedback: ratings", answering, answer)

    async def collect(self) -> None:
        names = {program["id"]: name for name, program in self.report.programs.items()}
        for match in await self.client.list_matches():
            name = names.get(match["program_id"])
            if name:
                self.report.matches[f"{name}/{match['status']}"] += 1
                if self.report.example_match is None and match["status"] in ("accepted", "active"):
                    self.report.example_match = match
        for name, program in self.report.programs.items():
            self.report.analytics[name] = await self.client.analytics(program["id"])


def _summary(report: SeedReport, service_url: dict[str, str], *, where: str) -> None:
    people = report.people
    table = Table(title=f"demo organization {report.organization!r}", show_header=False)
    table.add_column("what")
    table.add_column("how many", overflow="fold")
    roles = Counter(person.role for person in people)
    regions = Counter(person.region for person in people)
    table.add_row("people", f"{len(people)}: {roles['mentor']} mentors, {roles['mentee']} mentees")
    table.add_row("", ", ".join(f"{region} {count}" for region, count in regions.most_common()))
    table.add_row("", f"{sum(p.director for p in people)} directors head the departments (reporting lines)")
    for name, program in report.programs.items():
        mode = program["matching_mode"].replace("_", " ")
        enrolled = f"{report.enrolled[name + '/mentor']} mentors, {report.enrolled[name + '/mentee']} mentees"
        table.add_row(f"program {name}", f"{program['id']} ({mode}); {enrolled}")
        statuses = {key.split("/")[1]: count for key, count in report.matches.items() if key.startswith(name)}
        table.add_row(
            "", "matches: " + (", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "none")
        )
        summary = report.analytics.get(name, {}).get("summary", {})
        if summary:
            rating = summary.get("average_rating")
            table.add_row(
                "",
                f"analytics: {summary['sessions_held']} sessions held, average rating "
                f"{rating if rating is not None else '-'}, {summary['waitlisted_mentees']} waitlisted",
            )
    if report.round:
        stats = report.round["stats"]
        table.add_row(
            "matching round",
            f"{report.round['id']} ({report.round['status']}): {stats.get('assigned')} assigned, "
            f"{stats.get('waitlisted')} waitlisted, mean score {stats.get('mean_score')}",
        )
    table.add_row("sessions", ", ".join(f"{n} {what}" for what, n in report.sessions.items()) or "none")
    table.add_row("feedback", f"{report.feedback_submitted} submissions")
    out.print(table)
    _try_it(report, service_url, where)


def _try_it(report: SeedReport, service_url: dict[str, str], where: str) -> None:
    onboarding = report.programs[ONBOARDING]["id"]
    mentee = next(report.ids[p.external_id] for p in report.people if p.role == "mentee")
    curl = 'curl -H "Authorization: Bearer $TOKEN"'
    lines = [
        "[bold]Try it[/] (an admin token of the demo organization):",
        f"  export TOKEN=$(mentorship token --org {report.organization} --role admin)",
        f'  {curl} "{service_url["profiles"]}/v1/people?limit=5"',
        f'  {curl} "{service_url["matching"]}/v1/programs/{onboarding}/suggestions?mentee_id={mentee}"',
        f'  {curl} "{service_url["matching"]}/v1/matches?program_id={onboarding}"',
    ]
    if report.example_match:
        lines.append(
            f'  {curl} "{service_url["scheduling"]}/v1/mentorships/{report.example_match["id"]}/slots"'
        )
    lines += [
        f'  {curl} "{service_url["scheduling"]}/v1/sessions?limit=5"',
        f'  {curl} "{service_url["feedback"]}/v1/programs/{onboarding}/analytics"',
        f"  mentorship round {onboarding} --org {report.organization}{where}",
        "[bold]API docs[/]: " + ", ".join(f"{name} {url}/docs" for name, url in service_url.items()),
    ]
    for line in lines:
        out.print(line, soft_wrap=True, highlight=False)


def progress_bars(target: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=target,
    )


async def seed_demo(client: PlatformClient, *, people: int, seed: int, progress: Progress) -> SeedReport:
    """Seed the demo organization of `client` (see the module docstring)."""
    return await Seeder(client, people=people, seed=seed, progress=progress).run()


@demo.command("seed")
def seed_command(
    people: Annotated[
        int, typer.Option(min=10, max=5000, help="How many people the organization has.")
    ] = 300,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    port_base: PortBase = DEFAULT_PORT_BASE,
    org: Organization = DEFAULT_ORGANIZATION,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same people.")] = 7,
) -> None:
    """Seed a realistic demo organization on a running platform (`make run`), through its APIs.

    People across time zones with AI skills and reporting lines, two programs (admin-approved and
    mentee-choice), a published and accepted matching round, mentee requests, sessions booked and
    completed, and feedback. Running it again on the same --org continues that demo without duplicates.
    """
    service_url = urls(base_url, port_base)

    async def work() -> SeedReport:
        async with PlatformClient.connect(
            service_url, organization=org, admin_subject=admin_subject(org)
        ) as client:
            with progress_bars(console) as progress:
                return await seed_demo(client, people=people, seed=seed, progress=progress)

    try:
        report = run_against_platform(work(), console=console)
    except TimeoutError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from None
    where = (
        ""
        if (base_url, port_base) == (DEFAULT_BASE_URL, DEFAULT_PORT_BASE)
        else (f" --base-url {base_url} --port-base {port_base}")
    )
    _summary(report, service_url, where=where)
