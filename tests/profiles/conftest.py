"""Helpers of the profiles tests: an organization of their own, valid bodies, and what was written.

Every test works in a fresh organization, so tests never see each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine
from tests.conftest import AuthHeaders, Platform, new_org


def person_body(**overrides: Any) -> dict[str, Any]:
    """A valid person to create, with a unique email."""
    body: dict[str, Any] = {
        "email": f"{uuid.uuid4().hex[:10]}@example.com",
        "name": "Ada Lovelace",
        "title": "ML Engineer",
        "department": "Research",
        "seniority": "senior",
        "years_of_experience": 8,
        "time_zone": "Europe/London",
        "languages": ["en"],
        "bio": "Works on NLP.",
        "skills": [{"skill": "python", "level": 5}, {"skill": "nlp", "level": 4}],
        "learning_interests": [{"skill": "mlops", "current_level": 1, "target_level": 3}],
        "goals": ["Lead a team"],
        "guidance": ["technical", "career"],
        "specializations": ["transformers"],
        "learning_style": "hands_on",
        "availability": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
        "availability_overrides": [{"date": "2026-12-24", "unavailable": True, "reason": "Holiday"}],
        "mentor_capacity": 3,
    }
    body.update(overrides)
    return body


def program_body(**overrides: Any) -> dict[str, Any]:
    start = date(2026, 1, 5)
    body: dict[str, Any] = {
        "name": "AI onboarding 2026",
        "objective": "onboarding",
        "cohort_start": start.isoformat(),
        "cohort_end": (start + timedelta(days=90)).isoformat(),
        "status": "active",
    }
    body.update(overrides)
    return body


@dataclass
class Written:
    """What the profiles service stored for one organization: rows and outbox events."""

    engine: AsyncEngine
    organization: str

    async def count(self, table: str) -> int:
        async with self.engine.connect() as connection:
            value = await connection.scalar(
                text(f"SELECT count(*) FROM profiles.{table} WHERE organization = :org"),
                {"org": self.organization},
            )
        return int(value or 0)

    async def events(self) -> list[dict[str, Any]]:
        """The organization's outbox events (CloudEvents), oldest first; not the audit log's
        shipments (`profiles.audit.recorded`, shared/audit.py), which follow any change."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT payload FROM profiles.outbox"
                    " WHERE convert_from(payload, 'UTF8')::jsonb ->> 'organization' = :org"
                    " AND subject <> 'profiles.audit.recorded' ORDER BY seq"
                ),
                {"org": self.organization},
            )
            return [orjson.loads(row.payload) for row in rows]

    async def reads(self) -> list[tuple[str, str, str, str]]:
        """The sensitive reads recorded in the audit log for the organization, oldest first:
        (resource type, resource id, actor id, what was read)."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT resource_type, resource_id, actor_id, changes ->> 'read' AS what"
                    " FROM profiles.audit_log WHERE organization = :org AND action = 'read' ORDER BY seq"
                ),
                {"org": self.organization},
            )
            return [(row.resource_type, row.resource_id, row.actor_id, row.what) for row in rows]

    async def snapshot(self) -> dict[str, int]:
        """Row counts of every table and the number of events, to prove a request wrote nothing."""
        counts = {
            table: await self.count(table)
            for table in ("people", "programs", "enrollments", "custom_skills", "idempotency_keys")
        }
        counts["events"] = len(await self.events())
        return counts


@dataclass
class Org:
    """A fresh organization with an admin, and shortcuts to populate it through the API."""

    id: str
    client: httpx.AsyncClient
    auth: AuthHeaders
    written: Written

    @property
    def admin_subject(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, self.id))

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(self.id, self.admin_subject, "admin")

    def as_person(self, person: dict[str, Any] | str, *roles: str) -> dict[str, str]:
        """Headers of a token whose subject is this person."""
        person_id = person if isinstance(person, str) else person["id"]
        return self.auth(self.id, person_id, *(roles or ("mentee",)))

    async def person(self, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post("/v1/people", json=person_body(**overrides), headers=self.admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def program(self, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post("/v1/programs", json=program_body(**overrides), headers=self.admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def enroll(
        self, program: dict[str, Any], person: dict[str, Any], role: str, **fields: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/v1/programs/{program['id']}/enrollments",
            json={"person_id": person["id"], "role": role, **fields},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture(scope="session")
async def database(platform: Platform) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(platform.database_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
def org(profiles_client: httpx.AsyncClient, auth: AuthHeaders, database: AsyncEngine) -> Org:
    organization = new_org()
    return Org(id=organization, client=profiles_client, auth=auth, written=Written(database, organization))


@pytest.fixture
def client(profiles_client: httpx.AsyncClient) -> httpx.AsyncClient:
    return profiles_client


def assert_problem(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """The response is RFC 9457 problem details with `status`, naming each of `fields` in its errors."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    problem = dict(response.json())
    assert problem["status"] == status and problem["type"].startswith("/problems/")
    named = {error["field"] for error in problem.get("errors", [])}
    for field in fields:
        assert any(name == f"body.{field}" or name.startswith(f"body.{field}.") for name in named), (
            f"{field} not named in {named}"
        )
    return problem
