"""Rebuilding a read model from history: matching's people from the profiles stream.

The profiles stream is filled with `--people` PersonCreated events (full profiles: skills, learning
interests, availability), plus `--updates` of them changed once more (a later version); then the
operator command runs as its own process, as an operator would run it:

    mentorship rebuild matching --from profiles

`rebuild_seconds` is that command's wall time from start to exit (start-up, replay, clean-up), with
its CPU seconds beside it (the figure to compare on a busy machine, with the load average it ran
under); afterwards matching's people table must hold every person at their last version, and no
event may have been parked.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from typing import Any

from mentorship.benchmarking import (
    BenchPlatform,
    bench_platform,
    fsync_setting,
    machine,
    print_figures,
    print_table,
)

from sqlalchemy import text

from shared.contracts.profiles import PersonCreated, PersonState, PersonUpdated
from shared.db import create_engine
from shared.events import CloudEvent, Event
from shared.outbox import BatchPublisher
from shared.streams import connect, ensure_deadletter_stream, ensure_service_stream

SKILLS = ("python", "pytorch", "nlp", "computer-vision", "mlops", "reinforcement-learning")
ORGANIZATION = "org-rebuild-bench"


def person_state(index: int, *, version: int = 1, person_id: uuid.UUID | None = None) -> PersonState:
    draw = random.Random(index)
    now = dt.datetime.now(dt.UTC)
    return PersonState.model_validate(
        {
            "id": person_id or uuid.uuid4(),
            "organization": ORGANIZATION,
            "version": version,
            "external_id": f"hr-{index}",
            "email": f"person{index}@bench.example",
            "name": f"Person {index}" + (" (changed)" if version > 1 else ""),
            "title": "Engineer",
            "department": f"dept-{index % 40}",
            "seniority": draw.choice(["junior", "mid", "senior", "staff"]),
            "years_of_experience": draw.randint(0, 25),
            "time_zone": draw.choice(["Europe/Berlin", "America/New_York", "Asia/Tokyo"]),
            "languages": ["en"],
            "skills": [{"skill": skill, "level": draw.randint(1, 5)} for skill in draw.sample(SKILLS, 3)],
            "learning_interests": [{"skill": draw.choice(SKILLS), "current_level": 1, "target_level": 3}],
            "goals": ["grow as a mentor"],
            "availability": [{"weekday": draw.randint(0, 4), "start": "09:00", "end": "11:00"}],
            "mentor_capacity": draw.randint(0, 3),
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
    )


async def fill_stream(platform: BenchPlatform, *, people: int, updates: int) -> int:
    """The profiles stream with the history of `people` people; returns the events published."""
    nc = await connect(platform.nats_url, name="bench-rebuild")
    js = nc.jetstream()
    await ensure_service_stream(js, namespace=platform.namespace, service="profiles")
    await ensure_deadletter_stream(js, namespace=platform.namespace)
    publisher = BatchPublisher(js)
    published = 0
    ids: list[uuid.UUID] = []

    async def publish(events: list[Event]) -> None:
        nonlocal published
        messages = []
        for event in events:
            envelope = CloudEvent.wrap(event, organization=ORGANIZATION, subject=None)
            subject = f"{platform.namespace}.profiles.person.{event.event_type.action}"
            payload = envelope.model_dump_json().encode()
            messages.append((subject, payload, {"Nats-Msg-Id": str(envelope.id)}))
        outcomes = await publisher.publish(messages, timeout=60)
        if any(outcome is not None for outcome in outcomes):
            raise RuntimeError(f"the stream refused events: {next(o for o in outcomes if o)!r}")
        published += len(messages)

    for first in range(0, people, 2000):
        batch = [person_state(index) for index in range(first, min(first + 2000, people))]
        ids += [state.id for state in batch]
        await publish([PersonCreated(person=state) for state in batch])
    for first in range(0, updates, 2000):
        changed = [
            person_state(index, version=2, person_id=ids[index])
            for index in range(first, min(first + 2000, updates))
        ]
        await publish([PersonUpdated(person=state, changed=["name"]) for state in changed])
    await nc.close()
    return published


async def drop_streams(platform: BenchPlatform) -> None:
    """Delete this run's streams (its namespace is its own): a 100,000-person history is over 100 MB
    that the NATS server would otherwise keep for a week."""
    nc = await connect(platform.nats_url, name="bench-rebuild")
    js = nc.jetstream()
    try:
        for info in await js.streams_info():
            if info.config.name and info.config.name.startswith(f"{platform.namespace}_".upper()):
                await js.delete_stream(info.config.name)
    finally:
        await nc.close()


async def check(platform: BenchPlatform) -> tuple[int, int]:
    """(people in matching's read model, of which at version 2)."""
    engine = create_engine(platform.database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT count(*), count(*) FILTER (WHERE version = 2) FROM matching.people")
                )
            ).one()
    finally:
        await engine.dispose()
    return int(row[0]), int(row[1])


def run_command(platform: BenchPlatform, batch: int) -> tuple[float, float, dict[str, Any]]:
    """The operator command as its own process: (wall seconds, CPU seconds, its JSON result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(
        [
            *(sys.executable, "-m", "mentorship.cli", "rebuild", "matching"),
            *("--from", "profiles", "--batch", str(batch), "--json"),
        ],
        env=platform.env(),
        stdout=subprocess.PIPE,
        check=True,
    )
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return seconds, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000, help="people in the stream (100000)")
    parser.add_argument(
        "--updates", type=int, default=0, help="of them, changed once more (a second event each) (0)"
    )
    parser.add_argument("--batch", type=int, default=1000, help="events per transaction (1000)")
    args = parser.parse_args()
    with bench_platform() as platform:
        fsync = asyncio.run(fsync_setting(platform.database_url))
        events = asyncio.run(fill_stream(platform, people=args.people, updates=args.updates))
        load = os.getloadavg()[0]
        try:
            seconds, cpu, result = run_command(platform, args.batch)
            people, changed = asyncio.run(check(platform))
        finally:
            asyncio.run(drop_streams(platform))
    if people != args.people or changed != args.updates or result.get("parked", 0):
        raise SystemExit(
            f"the read model holds {people} people ({changed} changed), {result.get('parked', 0)} events "
            "were parked: not what was replayed"
        )
    figures = {
        "bench": "rebuild",
        "machine": machine(),
        "fsync": fsync,
        "people": args.people,
        "events": events,
        "batch": args.batch,
        "rebuild_seconds": round(seconds, 2),
        "replay_seconds": result["seconds"],
        "events_per_s": round(events / seconds, 1),
        "cpu_seconds": round(cpu, 2),
        "cpu_us_per_event": round(cpu / events * 1e6, 1),
        "load_1m": round(load, 2),
    }
    print_table(
        f"Rebuild matching's people from the profiles stream ({figures['machine']}; "
        f"PostgreSQL fsync {fsync}; load {load:.2f} when the command started)",
        [
            ("people / events in the stream", f"{args.people} / {events}"),
            ("`mentorship rebuild matching --from profiles`, seconds", figures["rebuild_seconds"]),
            ("  of which the replay itself, seconds", figures["replay_seconds"]),
            ("events/s", figures["events_per_s"]),
            ("CPU seconds of the command (per event, us)", f"{cpu:.1f} ({figures['cpu_us_per_event']})"),
            ("people in the read model afterwards", people),
        ],
    )
    print_figures(figures)


if __name__ == "__main__":
    main()
