"""Scheduling: common slots of two people, and booking throughput through the API with conflicts.

1. slots (pure code, no I/O): the common slots of a mentor in Berlin and a mentee in New York over
   `--weeks` weeks starting 2 March 2026 (both DST changes fall inside), with lunch breaks, dated
   overrides and 30 sessions already booked; median and p95 of `--repeats` runs.
2. booking (HTTP): the scheduling API runs as its own process (one uvicorn worker, as deployed).
   `--pairs` mentorships share `--mentors` mentors across time zones; `--concurrency` clients each
   loop: list a random mentorship's slots, book one of the first `--choices` at random. Clients race
   for the same mentors' time, so some bookings are refused with 409 (PostgreSQL's exclusion
   constraint, or the slot check seeing a booking that just committed). Reports booking attempts
   per second, the conflict rate and latencies; afterwards reads every participant's sessions
   through the API (as they would see them) and counts overlaps: `double_bookings` must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mentorship.benchmarking import (
    BenchPlatform,
    api_process,
    bench_platform,
    percentile,
    print_figures,
    print_table,
)

import httpx

from scheduling.availability import Availability
from scheduling.handlers import matching_handlers, profiles_handlers
from scheduling.slots import SlotRules, common_slots
from shared.auth import mint_dev_token
from shared.contracts.matching import MatchAccepted, MatchSource, MatchState, MatchStatus
from shared.contracts.profiles import (
    AvailabilityWindow,
    MatchingMode,
    PersonCreated,
    PersonState,
    ProgramCreated,
    ProgramObjective,
    ProgramState,
    ProgramStatus,
    SessionCadence,
)
from shared.db import create_engine, session_factory, transaction
from shared.events import CloudEvent, Event

# --- 1. slots --------------------------------------------------------------------------------------


def two_people() -> tuple[Availability, Availability, list[tuple[datetime, datetime]]]:
    weekdays = range(5)
    mentor = Availability.from_profile(
        time_zone="Europe/Berlin",
        availability=[
            window
            for day in weekdays
            for window in (
                {"weekday": day, "start": "09:00", "end": "12:00"},
                {"weekday": day, "start": "13:00", "end": "18:30"},
            )
        ],
        overrides=[
            {"date": "2026-03-13", "unavailable": True},
            {"date": "2026-03-20", "unavailable": False, "windows": [{"start": "15:00", "end": "20:00"}]},
        ],
    )
    mentee = Availability.from_profile(
        time_zone="America/New_York",
        availability=[
            window
            for day in weekdays
            for window in (
                {"weekday": day, "start": "07:30", "end": "12:00"},
                {"weekday": day, "start": "12:45", "end": "17:00"},
            )
        ],
        overrides=[{"date": "2026-03-17", "unavailable": True}],
    )
    rng = random.Random(4)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    booked = []
    for _ in range(30):
        begin = start + timedelta(minutes=15 * rng.randrange(0, 4 * 24 * 28))
        booked.append((begin, begin + timedelta(minutes=70)))  # a session and its 10-minute buffer
    return mentor, mentee, booked


def measure_slots(*, weeks: int, repeats: int) -> dict[str, Any]:
    mentor, mentee, booked = two_people()
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    rules = SlotRules(
        length=timedelta(minutes=60),
        grid=timedelta(minutes=15),
        buffer=timedelta(minutes=10),
        minimum_notice=timedelta(hours=12),
        horizon=timedelta(days=7 * weeks + 7),
    )
    window = (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC) + timedelta(weeks=weeks))
    timings = []
    found = 0
    for _ in range(repeats):
        started = time.perf_counter()
        found = len(
            common_slots(
                [mentor, mentee],
                window_start=window[0],
                window_end=window[1],
                blocked=booked,
                rules=rules,
                now=now,
                grid_zone="Europe/Berlin",
            )
        )
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "slots_found": found,
        "slots_median_ms": round(statistics.median(timings), 3),
        "slots_p95_ms": round(percentile(timings, 95), 3),
    }


# --- 2. booking --------------------------------------------------------------------------------------

MENTOR_ZONES = ["Europe/Berlin", "Asia/Kolkata", "America/New_York", "Europe/London", "Asia/Singapore"]
MENTEE_ZONES = ["Europe/Paris", "America/Chicago", "Asia/Tokyo", "Africa/Lagos", "America/Sao_Paulo"]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def person(organization: str, time_zone: str, start: str, end: str, days: range) -> PersonState:
    return PersonState(
        id=uuid.uuid4(),
        organization=organization,
        version=1,
        email=f"{uuid.uuid4().hex[:10]}@bench.example",
        name="Bench person",
        time_zone=time_zone,
        languages=["en"],
        availability=[AvailabilityWindow(weekday=day, start=start, end=end) for day in days],
        mentor_capacity=20,
        active=True,
        created_at=T0,
        updated_at=T0,
    )


async def seed(platform: BenchPlatform, *, organization: str, pairs: int, mentors: int) -> list[MatchState]:
    """Mentorships in scheduling's read model, from the events profiles and matching publish."""
    program = ProgramState(
        id=uuid.uuid4(),
        organization=organization,
        version=1,
        name="Bench program",
        objective=ProgramObjective.TECHNICAL_SKILLS,
        cohort_start=date(2026, 1, 1),
        cohort_end=date(2027, 12, 31),
        matching_mode=MatchingMode.AUTOMATIC,
        score_weights={},
        session_length_minutes=60,
        session_cadence=SessionCadence.WEEKLY,
        checkin_cadence_days=14,
        exclude_same_department=False,
        status=ProgramStatus.ACTIVE,
        created_at=T0,
        updated_at=T0,
    )
    mentor_states = [
        person(organization, MENTOR_ZONES[index % len(MENTOR_ZONES)], "08:00", "20:00", range(6))
        for index in range(mentors)
    ]
    events: list[Event] = [ProgramCreated(program=program), *(PersonCreated(person=m) for m in mentor_states)]
    matches = []
    for index in range(pairs):
        mentee = person(organization, MENTEE_ZONES[index % len(MENTEE_ZONES)], "06:00", "23:00", range(7))
        now = datetime.now(UTC)
        match = MatchState(
            id=uuid.uuid4(),
            organization=organization,
            version=2,
            program_id=program.id,
            mentor_id=mentor_states[index % mentors].id,
            mentee_id=mentee.id,
            status=MatchStatus.ACCEPTED,
            source=MatchSource.ROUND,
            score=0.8,
            created_at=now,
            updated_at=now,
        )
        events += [PersonCreated(person=mentee), MatchAccepted(match=match)]
        matches.append(match)
    engine = create_engine(platform.database_url, pool_size=2)
    try:
        async with transaction(session_factory(engine)) as session:
            for event in events:
                envelope = CloudEvent.wrap(event, organization=organization, subject=None)
                handler = profiles_handlers.get(envelope.type) or matching_handlers.get(envelope.type)
                assert handler is not None
                await handler(session, envelope, event)
    finally:
        await engine.dispose()
    return matches


@functools.cache
def bearer(subject: str, organization: str, role: str) -> dict[str, str]:
    # Minted once per person: the client shares the machine with the API and should stay light.
    token = mint_dev_token(subject=subject, organization=organization, roles=[role], ttl_seconds=7200)
    return {"Authorization": f"Bearer {token}"}


async def measure_booking(
    base_url: str,
    platform: BenchPlatform,
    *,
    pairs: int,
    mentors: int,
    bookings: int,
    concurrency: int,
    choices: int,
) -> dict[str, Any]:
    organization = f"bench-{uuid.uuid4().hex[:8]}"
    matches = await seed(platform, organization=organization, pairs=pairs, mentors=mentors)
    admin = bearer(str(uuid.uuid4()), organization, "admin")
    rng = random.Random(7)
    booked = conflicts = errors = 0
    post_latencies: list[float] = []
    get_latencies: list[float] = []
    remaining = iter(range(bookings))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        policy = await client.get("/v1/scheduling-policy", headers=admin)
        response = await client.put(
            "/v1/scheduling-policy",
            json={
                "meeting_url_template": "https://meet.example/{session_id}",
                "buffer_minutes": 10,
                "minimum_notice_minutes": 60,
                "horizon_days": 30,
                "slot_grid_minutes": 30,
                "reminder_minutes_before": [1440, 60],
                "cadence_grace_days": 2,
            },
            headers={**admin, "If-Match": policy.headers["ETag"]},
        )
        response.raise_for_status()

        async def client_loop() -> None:
            nonlocal booked, conflicts, errors
            for _ in remaining:
                match = rng.choice(matches)
                headers = bearer(str(match.mentee_id), organization, "mentee")
                try:
                    started = time.perf_counter()
                    slots = await client.get(
                        f"/v1/matches/{match.id}/slots", params={"limit": choices}, headers=headers
                    )
                    get_latencies.append((time.perf_counter() - started) * 1000)
                    items = slots.json()["items"] if slots.status_code == 200 else []
                    if not items:
                        errors += slots.status_code != 200
                        continue
                    started = time.perf_counter()
                    response = await client.post(
                        f"/v1/matches/{match.id}/sessions",
                        json={"format": "video", "start": rng.choice(items)["start"]},
                        headers=headers,
                    )
                    post_latencies.append((time.perf_counter() - started) * 1000)
                except httpx.TransportError:
                    errors += 1
                    continue
                if response.status_code == 201:
                    booked += 1
                elif response.status_code == 409:
                    conflicts += 1
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        people = {match.mentor_id for match in matches} | {match.mentee_id for match in matches}
        overlaps = await double_bookings(client, admin, people)
    attempts = len(post_latencies)
    return {
        "bookings_attempted": attempts,
        "bookings_created": booked,
        "book_per_s": round(attempts / seconds, 1),
        "booked_per_s": round(booked / seconds, 1),
        "conflict_pct": round(100 * conflicts / max(attempts, 1), 1),
        "book_p50_ms": round(percentile(post_latencies, 50), 2),
        "book_p99_ms": round(percentile(post_latencies, 99), 2),
        "slots_get_p50_ms": round(percentile(get_latencies, 50), 2),
        "double_bookings": overlaps,
        "errors": errors,
    }


async def double_bookings(
    client: httpx.AsyncClient, admin: dict[str, str], people: set[uuid.UUID]
) -> int:
    """Overlapping live sessions of one person, as the API itself shows each person's sessions
    (`GET /v1/sessions?person_id=`, every page): what a participant would see, not the database
    constraint checking its own condition. Must be 0."""
    overlaps = 0
    for person_id in people:
        spans: list[tuple[datetime, datetime]] = []
        cursor: str | None = None
        while True:
            params = {"person_id": str(person_id), "status": "scheduled", "limit": "200"}
            if cursor:
                params["cursor"] = cursor
            page = await client.get("/v1/sessions", params=params, headers=admin)
            page.raise_for_status()
            body = page.json()
            spans += [
                (datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"]))
                for item in body["items"]
            ]
            cursor = body["next_cursor"]
            if not cursor:
                break
        spans.sort()
        overlaps += sum(1 for earlier, later in itertools.pairwise(spans) if later[0] < earlier[1])
    return overlaps


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--weeks", type=int, default=4, help="weeks of common slots searched (4)")
    parser.add_argument("--repeats", type=int, default=300, help="slot searches timed (300)")
    parser.add_argument("--pairs", type=int, default=200, help="mentorships booking sessions (200)")
    parser.add_argument("--mentors", type=int, default=20, help="mentors they share (20)")
    parser.add_argument("--bookings", type=int, default=2000, help="booking attempts (2000)")
    parser.add_argument("--concurrency", type=int, default=32, help="clients booking at once (32)")
    parser.add_argument("--choices", type=int, default=4, help="a client books one of the first N slots (4)")
    parser.add_argument("--slots-only", action="store_true", help="skip the booking phase (no servers)")
    args = parser.parse_args()

    figures: dict[str, Any] = {
        "bench": "slots",
        "weeks": args.weeks,
        **measure_slots(weeks=args.weeks, repeats=args.repeats),
    }
    rows: list[tuple[str, object]] = [
        (f"common slots of two people over {args.weeks} weeks: found", figures["slots_found"]),
        ("  median / p95 ms", f"{figures['slots_median_ms']} / {figures['slots_p95_ms']}"),
    ]
    if not args.slots_only:
        with bench_platform() as platform, api_process(platform, "scheduling") as base_url:
            booking = asyncio.run(
                measure_booking(
                    base_url,
                    platform,
                    pairs=args.pairs,
                    mentors=args.mentors,
                    bookings=args.bookings,
                    concurrency=args.concurrency,
                    choices=args.choices,
                )
            )
        figures.update(pairs=args.pairs, mentors=args.mentors, concurrency=args.concurrency, **booking)
        rows += [
            (f"booking, {args.concurrency} clients, {args.pairs} pairs, {args.mentors} mentors", ""),
            ("  attempts / created", f"{booking['bookings_attempted']} / {booking['bookings_created']}"),
            ("  attempts per second", booking["book_per_s"]),
            ("  created per second", booking["booked_per_s"]),
            ("  conflicts (409) %", booking["conflict_pct"]),
            ("  POST p50 / p99 ms", f"{booking['book_p50_ms']} / {booking['book_p99_ms']}"),
            ("  GET slots p50 ms", booking["slots_get_p50_ms"]),
            ("  double bookings (must be 0)", booking["double_bookings"]),
            ("  errors", booking["errors"]),
        ]
    print_table("Scheduling: slots and booking", rows)
    print_figures(figures)


if __name__ == "__main__":
    main()
