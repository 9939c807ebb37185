"""Privacy: exporting and erasing a person with two years of activity, end to end.

Every service's worker runs as its own process (`python -m <service>.worker`, as deployed), and the
profiles and privacy APIs as their own processes; this process is the client (httpx, over real
HTTP, auth and JSON included):

1. an admin creates the person (a mentee) and their mentor through the profiles API; the privacy
   service learns of them from profiles' events;
2. two years of their activity are written straight into the services' schemas (COPY): one match,
   `--sessions` sessions (scheduling), `--feedback` feedback submissions with a note each
   (feedback), `--messages` messages both ways (workspace);
3. `export_seconds`: from POST /v1/exports (as the person) until the archive of every service's
   part is downloaded;
4. `erase_seconds`: the admin deactivates the person, then from POST /v1/erasures until every
   registered service has confirmed (`completed`).

The target is <= 10 s each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from mentorship.benchmarking import BenchPlatform, api_process, bench_platform, print_figures, print_table

import asyncpg
import httpx

from mentorship.services import names
from shared.auth import mint_dev_token

ORGANIZATION = "org-bench-privacy"
ADMIN = "admin-bench-privacy"
NOW = datetime.now(UTC)
START = NOW - timedelta(days=730)


def _headers(subject: str, role: str) -> dict[str, str]:
    token = mint_dev_token(subject=subject, organization=ORGANIZATION, roles=[role], ttl_seconds=7200)
    return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def workers(platform: BenchPlatform) -> Iterator[None]:
    """Every registered service's worker, each its own process."""
    env = {**platform.env(), "LOG_JSON": "false"}
    processes = [
        subprocess.Popen([sys.executable, "-m", f"{name}.worker"], env=env, stdout=subprocess.DEVNULL)
        for name in names()
    ]
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


async def until(probe: Any, *, timeout: float, what: str, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise RuntimeError(f"not done after {timeout} s: {what}")
        await asyncio.sleep(every)


def _person(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.com",
        "name": name,
        "time_zone": "Europe/Paris",
        "languages": ["en"],
        **fields,
    }


async def load_activity(
    database_url: str, *, mentee: uuid.UUID, mentor: uuid.UUID, sessions: int, feedback: int, messages: int
) -> None:
    """Two years of the pair's activity, written with COPY into the services' own tables."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        program, match = uuid.uuid4(), uuid.uuid4()
        span = (NOW - START) / max(sessions, feedback, messages, 1)
        await connection.copy_records_to_table(
            "matches",
            schema_name="matching",
            records=[(match, ORGANIZATION, 3, program, mentee, mentor, "active", "round", 0.8, "{}", "[]")],
            columns=[
                "id", "organization", "version", "program_id", "mentee_id", "mentor_id", "status",
                "source", "score", "score_breakdown", "reasons",
            ],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "matches",
            schema_name="scheduling",
            records=[(match, ORGANIZATION, program, mentor, mentee, "active", START, 3)],
            columns=[
                "id",
                "organization",
                "program_id",
                "mentor_id",
                "mentee_id",
                "status",
                "started_at",
                "version",
            ],
        )
        await connection.copy_records_to_table(
            "sessions",
            schema_name="scheduling",
            records=[
                (
                    uuid.uuid4(), ORGANIZATION, match, program, mentor, mentee, "video", "completed",
                    START + span * n, START + span * n + timedelta(hours=1), 1, 0, START, START,
                )
                for n in range(sessions)
            ],
            columns=[
                "id", "organization", "match_id", "program_id", "mentor_id", "mentee_id", "format", "status",
                "starts_at", "ends_at", "version", "sequence", "created_at", "updated_at",
            ],
        )  # fmt: skip
        requests = [uuid.uuid4() for _ in range(feedback)]
        submissions = [uuid.uuid4() for _ in range(feedback)]
        await connection.copy_records_to_table(
            "feedback_requests",
            schema_name="feedback",
            records=[
                (
                    request, ORGANIZATION, "checkin", f"checkin-{n}", program, match, mentee, "mentee", "[]",
                    START + span * n, START + span * n + timedelta(days=3), "submitted", 2,
                )
                for n, request in enumerate(requests)
            ],
            columns=[
                "id", "organization", "kind", "occasion", "program_id", "match_id", "respondent_id",
                "respondent_role", "questions", "opened_at", "due_at", "status", "version",
            ],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "submissions",
            schema_name="feedback",
            records=[
                (
                    submission, ORGANIZATION, request, "checkin", program, match, mentee, "mentee", 4, "{}",
                    False, START + span * n + timedelta(hours=5),
                )
                for n, (submission, request) in enumerate(zip(submissions, requests, strict=True))
            ],
            columns=[
                "id", "organization", "request_id", "kind", "program_id", "match_id", "respondent_id",
                "respondent_role", "rating", "scores", "late", "submitted_at",
            ],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "feedback_notes",
            schema_name="feedback",
            records=[
                (n + 1, ORGANIZATION, submission, mentee, "notes", f"Check-in note number {n}", n % 2 == 0)
                for n, submission in enumerate(submissions)
            ],
            columns=["id", "organization", "submission_id", "author_id", "question_id", "text", "private"],
        )
        await connection.copy_records_to_table(
            "messages",
            schema_name="workspace",
            records=[
                (
                    uuid.uuid4(), ORGANIZATION, match, n + 1, n + 1,
                    mentee if n % 2 == 0 else mentor, mentor if n % 2 == 0 else mentee,
                    f"Message {n} about the week's progress", START + span * n, 1,
                )
                for n in range(messages)
            ],
            columns=[
                "id", "organization", "match_id", "number", "change_seq", "sender_id", "recipient_id", "body",
                "created_at", "version",
            ],
        )  # fmt: skip
    finally:
        await connection.close()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with (
        bench_platform() as platform,
        workers(platform),
        api_process(platform, "profiles") as profiles_url,
        api_process(platform, "privacy") as privacy_url,
    ):
        admin = _headers(ADMIN, "admin")
        async with httpx.AsyncClient(timeout=30) as http:
            people = []
            for body in (
                _person("Mentee Bench", seniority="junior"),
                _person("Mentor Bench", seniority="staff", mentor_capacity=2),
            ):
                response = await http.post(f"{profiles_url}/v1/people", json=body, headers=admin)
                response.raise_for_status()
                people.append(response.json())
            mentee, mentor = (uuid.UUID(person["id"]) for person in people)
            await load_activity(
                platform.database_url,
                mentee=mentee,
                mentor=mentor,
                sessions=args.sessions,
                feedback=args.feedback,
                messages=args.messages,
            )

            async def known() -> bool:  # privacy heard of the person (an active one: 409)
                response = await http.post(
                    f"{privacy_url}/v1/erasures", json={"person_id": str(mentee)}, headers=admin
                )
                return response.status_code == 409

            await until(known, timeout=60, what="privacy knows the person")

            # Export, as the person.
            as_mentee = _headers(str(mentee), "mentee")
            started = time.perf_counter()
            response = await http.post(f"{privacy_url}/v1/exports", json={}, headers=as_mentee)
            response.raise_for_status()
            export_id = response.json()["id"]

            async def ready() -> bool:
                response = await http.get(f"{privacy_url}/v1/exports/{export_id}", headers=as_mentee)
                return bool(response.json()["status"] == "ready")

            await until(ready, timeout=120, what="the export assembled")
            archive = await http.get(f"{privacy_url}/v1/exports/{export_id}/archive", headers=as_mentee)
            archive.raise_for_status()
            export_seconds = time.perf_counter() - started
            with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
                listed = files.namelist()
                messages_exported = len(json.loads(files.read("workspace/messages.json")))
                sessions_exported = len(json.loads(files.read("scheduling/sessions.json")))
                notes_exported = len(json.loads(files.read("feedback/feedback_notes.json")))

            # Erasure, by the admin, once the person left.
            response = await http.post(f"{profiles_url}/v1/people/{mentee}/deactivate", headers=admin)
            response.raise_for_status()

            erase_started = time.perf_counter()
            while True:
                response = await http.post(
                    f"{privacy_url}/v1/erasures", json={"person_id": str(mentee)}, headers=admin
                )
                if response.status_code in (200, 202):
                    break
                if response.status_code != 409 or time.perf_counter() - erase_started > 60:
                    response.raise_for_status()
                await asyncio.sleep(0.05)
            erasure_id = response.json()["id"]

            async def completed() -> bool:
                response = await http.get(f"{privacy_url}/v1/erasures/{erasure_id}", headers=admin)
                return bool(response.json()["status"] == "completed")

            await until(completed, timeout=120, what="every service confirmed the erasure")
            erase_seconds = time.perf_counter() - erase_started

    print_table(
        "Privacy: a person with two years of activity",
        [
            ("sessions / feedback / messages", f"{args.sessions} / {args.feedback} / {args.messages}"),
            ("archive files", len(listed)),
            (
                "sessions, notes, messages exported",
                f"{sessions_exported}, {notes_exported}, {messages_exported}",
            ),
            ("export_seconds", export_seconds),
            ("erase_seconds (from the request, deactivated before)", erase_seconds),
        ],
    )
    return {
        "export_seconds": round(export_seconds, 3),
        "erase_seconds": round(erase_seconds, 3),
        "sessions": args.sessions,
        "feedback": args.feedback,
        "messages": args.messages,
        "archive_files": len(listed),
        "messages_exported": messages_exported,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--feedback", type=int, default=200)
    parser.add_argument("--messages", type=int, default=500)
    print_figures(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
