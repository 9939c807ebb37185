"""Test world of the scheduling service: people, programs and matches in its read model.

Service tests put them there by applying the very events profiles and matching publish, through
the service's own handlers (the end-to-end test drives the same events through NATS instead).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.handlers import matching_handlers, profiles_handlers
from shared.contracts.matching import MatchAccepted, MatchEnded, MatchSource, MatchState, MatchStatus
from shared.contracts.profiles import (
    AvailabilityOverride,
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
from shared.db import transaction
from shared.events import CloudEvent, Event
from tests.conftest import AuthHeaders, new_org

ALL_WEEK = [AvailabilityWindow(weekday=day, start="00:00", end="24:00") for day in range(7)]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def person_state(
    *,
    organization: str,
    time_zone: str = "Europe/Paris",
    availability: Sequence[AvailabilityWindow] = ALL_WEEK,
    overrides: Sequence[AvailabilityOverride] = (),
    version: int = 1,
    active: bool = True,
    person_id: uuid.UUID | None = None,
    name: str = "Ada",
) -> PersonState:
    return PersonState(
        id=person_id or uuid.uuid4(),
        organization=organization,
        version=version,
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        name=name,
        time_zone=time_zone,
        languages=["en"],
        availability=list(availability),
        availability_overrides=list(overrides),
        mentor_capacity=2,
        active=active,
        created_at=T0,
        updated_at=T0,
    )


def program_state(
    *, organization: str, length: int = 60, cadence: SessionCadence = SessionCadence.WEEKLY, version: int = 1
) -> ProgramState:
    return ProgramState(
        id=uuid.uuid4(),
        organization=organization,
        version=version,
        name="AI onboarding",
        objective=ProgramObjective.ONBOARDING,
        cohort_start=T0.date(),
        cohort_end=(T0 + timedelta(days=365)).date(),
        matching_mode=MatchingMode.ADMIN_APPROVED,
        score_weights={},
        session_length_minutes=length,
        session_cadence=cadence,
        checkin_cadence_days=14,
        exclude_same_department=False,
        status=ProgramStatus.ACTIVE,
        created_at=T0,
        updated_at=T0,
    )


def match_state(
    *,
    organization: str,
    program_id: uuid.UUID,
    mentor_id: uuid.UUID,
    mentee_id: uuid.UUID,
    status: MatchStatus = MatchStatus.ACCEPTED,
    version: int = 2,
    match_id: uuid.UUID | None = None,
    accepted_at: datetime | None = None,
    **extra: Any,
) -> MatchState:
    return MatchState(
        id=match_id or uuid.uuid4(),
        organization=organization,
        version=version,
        program_id=program_id,
        mentee_id=mentee_id,
        mentor_id=mentor_id,
        status=status,
        source=MatchSource.MANUAL,
        score=0.8,
        created_at=T0,
        updated_at=accepted_at or datetime.now(UTC),
        **extra,
    )


async def apply(sessions: async_sessionmaker[AsyncSession], *events: Event) -> None:
    """Apply events as the consumer does (one transaction), through the service's handlers."""
    async with transaction(sessions) as session:
        for event in events:
            organization = _organization(event)
            envelope = CloudEvent.wrap(event, organization=organization, subject=None)
            handler = profiles_handlers.get(envelope.type) or matching_handlers.get(envelope.type)
            assert handler is not None, envelope.type
            await handler(session, envelope, event)


def _organization(event: Event) -> str:
    for name in ("person", "program", "match", "enrollment", "circle"):
        state = getattr(event, name, None)
        if state is not None:
            return str(state.organization)
    raise ValueError(f"no organization in {event!r}")


@dataclass
class Pair:
    """A mentor and a mentee in a match of one program, in an organization of their own."""

    organization: str
    mentor: PersonState
    mentee: PersonState
    program: ProgramState
    match: MatchState
    auth: AuthHeaders
    sessions: async_sessionmaker[AsyncSession]

    @property
    def id(self) -> uuid.UUID:
        return self.match.id

    @property
    def as_mentor(self) -> dict[str, str]:
        return self.auth(self.organization, str(self.mentor.id), "mentor")

    @property
    def as_mentee(self) -> dict[str, str]:
        return self.auth(self.organization, str(self.mentee.id), "mentee")

    @property
    def as_admin(self) -> dict[str, str]:
        return self.auth(self.organization, str(uuid.uuid4()), "admin")

    async def end(self, **changes: Any) -> None:
        ended = self.match.model_copy(
            update={"status": MatchStatus.ENDED, "version": self.match.version + 1, **changes}
        )
        self.match = ended
        await apply(self.sessions, MatchEnded(match=ended))

    async def update_person(
        self, person: PersonState, event_type: type[Event], **changes: Any
    ) -> PersonState:
        changed = person.model_copy(update={"version": person.version + 1, **changes})
        await apply(self.sessions, event_type(person=changed))  # type: ignore[call-arg]
        if person.id == self.mentor.id:
            self.mentor = changed
        else:
            self.mentee = changed
        return changed


async def make_pair(
    sessions: async_sessionmaker[AsyncSession],
    auth: AuthHeaders,
    *,
    organization: str | None = None,
    mentor_zone: str = "Europe/Paris",
    mentee_zone: str = "Europe/Paris",
    mentor_availability: Sequence[AvailabilityWindow] = ALL_WEEK,
    mentee_availability: Sequence[AvailabilityWindow] = ALL_WEEK,
    length: int = 60,
    cadence: SessionCadence = SessionCadence.WEEKLY,
    accepted_at: datetime | None = None,
    mentor: PersonState | None = None,
) -> Pair:
    organization = organization or new_org()
    mentor = mentor or person_state(
        organization=organization, time_zone=mentor_zone, availability=mentor_availability, name="Grace"
    )
    mentee = person_state(
        organization=organization, time_zone=mentee_zone, availability=mentee_availability, name="Alan"
    )
    program = program_state(organization=organization, length=length, cadence=cadence)
    match = match_state(
        organization=organization,
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        accepted_at=accepted_at,
    )
    await apply(
        sessions,
        PersonCreated(person=mentor),
        PersonCreated(person=mentee),
        ProgramCreated(program=program),
        MatchAccepted(match=match),
    )
    return Pair(organization, mentor, mentee, program, match, auth, sessions)


def next_hour(after: timedelta = timedelta(days=2)) -> datetime:
    """A whole UTC hour at least `after` from now (past the default 12-hour notice)."""
    moment = datetime.now(UTC) + after
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


POLICY = {
    "meeting_url_template": "https://meet.example/{session_id}",
    "buffer_minutes": 10,
    "minimum_notice_minutes": 60,
    "horizon_days": 30,
    "slot_grid_minutes": 15,
    "reminder_minutes_before": [1440, 60],
    "cadence_grace_days": 2,
}


async def set_policy(client: httpx.AsyncClient, headers: dict[str, str], **changes: object) -> dict[str, Any]:
    """Replace the organization's scheduling policy (as its admin)."""
    current = await client.get("/v1/scheduling-policy", headers=headers)
    response = await client.put(
        "/v1/scheduling-policy",
        json={**POLICY, **changes},
        headers={**headers, "If-Match": current.headers["ETag"]},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def book(
    client: httpx.AsyncClient,
    pair: Pair,
    start: datetime | None = None,
    *,
    headers: dict[str, str] | None = None,
    expect: int = 201,
    **body: Any,
) -> dict[str, Any]:
    """Book a session of the pair (a video session with an explicit link unless `body` says otherwise)."""
    payload: dict[str, Any] = {"format": "video", "meeting_url": "https://meet.example/room"}
    if start is not None:
        payload["start"] = iso(start)
    payload.update(body)
    payload = {key: value for key, value in payload.items() if value is not None}
    response = await client.post(
        f"/v1/matches/{pair.id}/sessions", json=payload, headers=headers or pair.as_mentee
    )
    assert response.status_code == expect, response.text
    return dict(response.json())


async def act(
    client: httpx.AsyncClient,
    session: dict[str, Any],
    action: str,
    headers: dict[str, str],
    *,
    expect: int = 200,
    **body: Any,
) -> dict[str, Any]:
    """POST a session action (reschedule, cancel, complete, no-show) with the session's current ETag."""
    response = await client.post(
        f"/v1/sessions/{session['id']}/{action}",
        json=body,
        headers={**headers, "If-Match": f'"{session["version"]}"'},
    )
    assert response.status_code == expect, response.text
    return dict(response.json())
