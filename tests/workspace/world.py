"""Test world of the workspace service: people, programs, matches and sessions in its read models,
put there by applying the very events profiles, matching, scheduling and feedback publish through
the service's own handlers (the end-to-end test drives the same events through NATS instead), and
what the service published, read from its outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.contracts.matching import (
    MatchAccepted,
    MatchEnded,
    MatchEndReason,
    MatchSource,
    MatchState,
    MatchStatus,
)
from shared.contracts.profiles import (
    LearningInterest,
    MatchingMode,
    PersonCreated,
    PersonDeactivated,
    PersonState,
    ProgramCreated,
    ProgramObjective,
    ProgramState,
    ProgramStatus,
    SessionCadence,
    SkillLevel,
)
from shared.contracts.scheduling import SessionFormat, SessionScheduled, SessionState, SessionStatus
from shared.db import transaction
from shared.events import CloudEvent, Event
from tests.conftest import AuthHeaders, new_org
from workspace.handlers import SOURCES

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


def in_days(days: int) -> str:
    return (now() + timedelta(days=days)).date().isoformat()


def etag(response: httpx.Response) -> dict[str, str]:
    """The If-Match header that names the version `response` returned."""
    return {"If-Match": response.headers["ETag"]}


async def apply(sessions: async_sessionmaker[AsyncSession], *events: Event, organization: str) -> None:
    """Apply events as the consumer does (one transaction), through the service's handlers."""
    async with transaction(sessions) as session:
        for event in events:
            envelope = CloudEvent.wrap(event, organization=organization, subject=None)
            handler = next(
                (found for handlers in SOURCES.values() if (found := handlers.get(envelope.type))), None
            )
            assert handler is not None, envelope.type
            await handler(session, envelope, event)


def person_state(
    organization: str,
    *,
    name: str,
    skills: Sequence[str] = (),
    interests: Sequence[str] = (),
    time_zone: str = "Europe/Paris",
    version: int = 1,
    active: bool = True,
) -> PersonState:
    return PersonState(
        id=uuid.uuid4(),
        organization=organization,
        version=version,
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        name=name,
        time_zone=time_zone,
        languages=["en"],
        skills=[SkillLevel(skill=skill, level=3) for skill in skills],
        learning_interests=[LearningInterest(skill=skill, target_level=4) for skill in interests],
        mentor_capacity=2,
        active=active,
        created_at=T0,
        updated_at=T0,
    )


def program_state(
    organization: str, objective: ProgramObjective = ProgramObjective.TECHNICAL_SKILLS
) -> ProgramState:
    return ProgramState(
        id=uuid.uuid4(),
        organization=organization,
        version=1,
        name="Applied ML mentoring",
        objective=objective,
        cohort_start=T0.date(),
        cohort_end=(T0 + timedelta(days=365)).date(),
        matching_mode=MatchingMode.ADMIN_APPROVED,
        score_weights={},
        session_length_minutes=60,
        session_cadence=SessionCadence.WEEKLY,
        checkin_cadence_days=14,
        exclude_same_department=False,
        status=ProgramStatus.ACTIVE,
        created_at=T0,
        updated_at=T0,
    )


@dataclass
class Pair:
    """A mentor and a mentee whose match was accepted: their workspace is open."""

    world: World
    organization: str
    program: ProgramState
    mentor: PersonState
    mentee: PersonState
    match: MatchState
    admin_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def id(self) -> uuid.UUID:
        return self.match.id

    @property
    def as_mentor(self) -> dict[str, str]:
        return self.world.auth(self.organization, str(self.mentor.id), "mentor")

    @property
    def as_mentee(self) -> dict[str, str]:
        return self.world.auth(self.organization, str(self.mentee.id), "mentee")

    @property
    def as_admin(self) -> dict[str, str]:
        return self.world.auth(self.organization, str(self.admin_id), "admin")

    @property
    def client(self) -> httpx.AsyncClient:
        return self.world.client

    def path(self, rest: str = "") -> str:
        return f"/v1/matches/{self.id}{rest}"

    async def end(self, reason: MatchEndReason = MatchEndReason.COMPLETED) -> None:
        self.match = self.match.model_copy(
            update={"status": MatchStatus.ENDED, "version": self.match.version + 1, "end_reason": reason}
        )
        await apply(self.world.sessions, MatchEnded(match=self.match), organization=self.organization)

    async def deactivate(self, person: PersonState) -> PersonState:
        changed = person.model_copy(update={"version": person.version + 1, "active": False})
        await apply(self.world.sessions, PersonDeactivated(person=changed), organization=self.organization)
        return changed

    async def book(
        self, *, start: datetime | None = None, status: SessionStatus = SessionStatus.SCHEDULED
    ) -> uuid.UUID:
        """A session of the pair booked in scheduling (its event applied here)."""
        start = start or now() + timedelta(days=2)
        state = SessionState(
            id=uuid.uuid4(),
            organization=self.organization,
            version=1,
            sequence=0,
            match_id=self.id,
            program_id=self.program.id,
            mentor_id=self.mentor.id,
            mentee_id=self.mentee.id,
            format=SessionFormat.VIDEO,
            status=status,
            start=start,
            end=start + timedelta(hours=1),
            created_at=T0,
            updated_at=T0,
        )
        await apply(self.world.sessions, SessionScheduled(session=state), organization=self.organization)
        return state.id

    async def goal(self, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
        """A goal the mentee sets (or `headers`' caller proposes); asserts it was created."""
        payload = {
            "title": "Ship a first model to production",
            "measure": "A model serves real traffic",
            "target_date": in_days(60),
            "skills": ["pytorch"],
            "guidance_kind": "technical",
            **body,
        }
        payload = {name: value for name, value in payload.items() if value is not None}
        response = await self.client.post(
            self.path("/goals"), headers=headers or self.as_mentee, json=payload
        )
        assert response.status_code == 201, response.text
        document: dict[str, Any] = response.json()
        return document


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    auth: AuthHeaders
    client: httpx.AsyncClient

    async def pair(
        self,
        *,
        organization: str | None = None,
        program: ProgramState | None = None,
        mentee_skills: Sequence[str] = ("pytorch", "python"),
        mentee_interests: Sequence[str] = ("mlops", "ai-ethics"),
        mentee_zone: str = "Europe/Paris",
        objective: ProgramObjective = ProgramObjective.TECHNICAL_SKILLS,
    ) -> Pair:
        organization = organization or new_org()
        program = program or program_state(organization, objective)
        mentor = person_state(organization, name="Grace", skills=("pytorch", "mlops", "nlp"))
        mentee = person_state(
            organization, name="Alan", skills=mentee_skills, interests=mentee_interests, time_zone=mentee_zone
        )
        match = MatchState(
            id=uuid.uuid4(),
            organization=organization,
            version=2,
            program_id=program.id,
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            status=MatchStatus.ACCEPTED,
            source=MatchSource.ROUND,
            score=0.8,
            created_at=T0,
            updated_at=now(),
        )
        await apply(
            self.sessions,
            ProgramCreated(program=program),
            PersonCreated(person=mentor),
            PersonCreated(person=mentee),
            MatchAccepted(match=match),
            organization=organization,
        )
        return Pair(self, organization, program, mentor, mentee, match)

    async def published(
        self, organization: str, event_type: type[Event] | None = None
    ) -> list[dict[str, Any]]:
        """The envelopes the workspace wrote to its outbox for `organization`, oldest first."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    text(
                        "SELECT payload FROM workspace.outbox WHERE "
                        "convert_from(payload, 'UTF8')::jsonb ->> 'organization' = :organization ORDER BY seq"
                    ),
                    {"organization": organization},
                )
            ).all()
        envelopes = [orjson.loads(row.payload) for row in rows]
        if event_type is not None:
            envelopes = [e for e in envelopes if e["type"] == event_type.event_type.name]
        return envelopes

    async def raw_outbox(self, organization: str) -> str:
        """Every event the workspace wrote for `organization`, as one string (to search for text)."""
        return "\n".join(orjson.dumps(e).decode() for e in await self.published(organization))

    async def count(self, table: str, organization: str) -> int:
        async with self.sessions() as session:
            value = await session.scalar(
                text(f"SELECT count(*) FROM workspace.{table} WHERE organization = :organization"),
                {"organization": organization},
            )
        return int(value or 0)


def today() -> date:
    return now().date()
