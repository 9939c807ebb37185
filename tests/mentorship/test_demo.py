"""The operator CLI against a running platform: `demo seed`, `round` and `import people` talk HTTP to
every API (real uvicorn servers on local ports) while every worker carries the events."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from mentorship.api_options import admin_subject, urls
from mentorship.cli import app
from mentorship.platform_client import ApiError, PlatformClient
from mentorship.services import names
from tests.conftest import Platform, running_workers
from tests.mentorship.live_apis import free_port_base, serving

runner = CliRunner()


@dataclass(frozen=True)
class LivePlatform:
    port_base: int

    async def mentorship(self, *args: str) -> Result:
        """`mentorship ARGS ...` against this platform, in a thread (the command runs its own loop)."""
        argv = [*args, "--base-url", "http://127.0.0.1", "--port-base", str(self.port_base)]
        return await asyncio.to_thread(runner.invoke, app, argv)


@pytest.fixture(scope="module")
async def live(platform: Platform) -> AsyncIterator[LivePlatform]:
    port_base = free_port_base()
    with serving(platform, port_base=port_base):
        async with running_workers(platform, *names()):
            yield LivePlatform(port_base)


def connect(live: LivePlatform, organization: str) -> AbstractAsyncContextManager[PlatformClient]:
    return PlatformClient.connect(
        urls("http://127.0.0.1", live.port_base),
        organization=organization,
        admin_subject=admin_subject(organization),
    )


async def test_demo_seed_builds_an_organization_that_shows_every_feature_and_a_rerun_duplicates_nothing(
    live: LivePlatform,
) -> None:
    org = f"demo{uuid.uuid4().hex[:8]}"
    seeded = await live.mentorship("demo", "seed", "--people", "40", "--org", org)
    assert seeded.exit_code == 0, seeded.output
    assert "Try it" in seeded.stdout and "/v1/programs/" in seeded.stdout

    async with connect(live, org) as client:
        people = await client.list_people()
        assert len(people) == 40
        assert len({person["time_zone"].split("/")[0] for person in people}) >= 3  # America, Europe, Asia...
        assert any(person["manager_id"] for person in people)
        programs = {program["name"]: program for program in await client.list_programs()}
        assert set(programs) == {"AI onboarding", "LLM engineering"}
        onboarding, llm = programs["AI onboarding"], programs["LLM engineering"]
        assert (onboarding["matching_mode"], llm["matching_mode"]) == ("admin_approved", "mentee_choice")

        [round_] = await client.list_rounds(onboarding["id"])
        assert round_["status"] == "published" and round_["stats"]["assigned"] > 0
        matches = await client.list_matches()
        accepted = [m for m in matches if m["status"] in ("accepted", "active")]
        assert {m["program_id"] for m in accepted} == {onboarding["id"], llm["id"]}
        assert all(m["source"] == "mentee_request" for m in matches if m["program_id"] == llm["id"])

        sessions = await client.list_sessions()
        assert any(s["status"] == "completed" for s in sessions)
        assert any(s["status"] == "scheduled" and s["format"] == "video" for s in sessions)
        summary = (await client.analytics(onboarding["id"]))["summary"]
        assert summary["sessions_held"] > 0 and summary["average_rating"] is not None

    again = await live.mentorship("demo", "seed", "--people", "40", "--org", org)
    assert again.exit_code == 0, again.output
    async with connect(live, org) as client:
        assert len(await client.list_people()) == 40
        assert len(await client.list_programs()) == 2
        assert len(await client.list_rounds(onboarding["id"])) == 1
        assert {s["id"] for s in sessions} <= {s["id"] for s in await client.list_sessions()}

    # A new joiner arrives; a round from the command line proposes her a mentor, then is published.
    async with connect(live, org) as client:
        joiner = await client.create_person(
            {
                "email": f"joiner.{uuid.uuid4().hex[:6]}@demo.example.com",
                "name": "New Joiner",
                "time_zone": "Europe/Berlin",
                "languages": ["en"],
                "availability": [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)],
                "learning_interests": [{"skill": "python", "target_level": 4}],
            }
        )
        await client.enroll(onboarding["id"], joiner["id"], "mentee")
        for _ in range(100):  # matching learns of her from profiles' events
            try:
                await client.suggestions(onboarding["id"], joiner["id"])
                break
            except ApiError:
                await asyncio.sleep(0.1)
    draft = await live.mentorship("round", onboarding["id"], "--org", org)
    assert draft.exit_code == 0, draft.output
    assert "draft" in draft.stdout and "1 mentees" in draft.stdout
    assert "New Joiner" in draft.stdout
    published = await live.mentorship("round", onboarding["id"], "--org", org, "--publish")
    assert published.exit_code == 0, published.output
    assert "published" in published.stdout


async def test_round_of_a_mentee_choice_program_is_refused_with_the_reason(live: LivePlatform) -> None:
    org = f"demo{uuid.uuid4().hex[:8]}"
    async with connect(live, org) as client:
        program = await client.create_program(
            {
                "name": "Pick your mentor",
                "objective": "career_growth",
                "matching_mode": "mentee_choice",
                "status": "active",
                "cohort_start": "2026-01-05",
                "cohort_end": "2026-06-30",
            }
        )

    async def known() -> Result:
        return await live.mentorship("round", program["id"], "--org", org)

    for _ in range(100):  # matching learns of the program from profiles' event
        result = await known()
        if "not found" not in result.output:
            break
        await asyncio.sleep(0.1)
    assert result.exit_code == 1
    assert "mentees choose their mentors" in result.output


async def test_import_people_checks_rows_in_a_dry_run_then_imports_and_reports_bad_rows(
    live: LivePlatform, tmp_path: Path
) -> None:
    org = f"hr{uuid.uuid4().hex[:8]}"
    export = tmp_path / "people.csv"
    export.write_text(
        "external_id,email,name,time_zone,languages,skills,department\n"
        "E1,ada@example.com,Ada Lovelace,Europe/London,en,python:5;statistics:4,Research\n"
        "E2,alan@example.com,Alan Turing,Europe/London,en;fr,machine-learning:5,Research\n"
        "E3,not-an-email,Grace Hopper,Mars/Olympus,en,python:4,Platform\n"
    )
    dry = await live.mentorship("import", "people", str(export), "--dry-run", "--org", org)
    assert dry.exit_code == 1, dry.output  # a bad row is reported, and the exit status says so
    assert "would create 2, update 0" in dry.stdout and "1 failed" in dry.stdout
    async with connect(live, org) as client:
        assert await client.list_people() == []

    done = await live.mentorship("import", "people", str(export), "--org", org)
    assert done.exit_code == 1, done.output
    assert "created 2, updated 0" in done.stdout
    assert "E3" in done.stdout  # the rejected row, in the errors table
    async with connect(live, org) as client:
        people = {person["external_id"]: person for person in await client.list_people()}
    assert set(people) == {"E1", "E2"}
    assert people["E2"]["languages"] == ["en", "fr"]

    fixed = tmp_path / "fixed.json"
    fixed.write_text(
        json.dumps(
            [
                {
                    "external_id": "E3",
                    "email": "grace@example.com",
                    "name": "Grace Hopper",
                    "time_zone": "America/New_York",
                    "languages": ["en"],
                }
            ]
        )
    )
    result = await live.mentorship("import", "people", str(fixed), "--org", org)
    assert result.exit_code == 0, result.output
    assert "created 1," in result.stdout
