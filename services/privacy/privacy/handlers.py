"""Event consumers of the privacy service: one per publishing service's stream (the registry's
`consumes_every_publisher`).

- from every service: its `audit.recorded` (the trail), its `personal_data.exported` (a part of an
  export) and its `personal_data.erased` (a confirmation of an erasure);
- from profiles: people (who exists, who left and when) and `person.erased`, on which this service
  erases its own part like every other;
- from itself: `export.requested`, on which it contributes its own part.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mentorship.services import spec
from privacy.personal_data import PERSONAL_DATA
from privacy.service import erasures, exports, people, trail
from shared.clock import utcnow
from shared.consumer import Handlers
from shared.contracts.privacy import AuditRecorded, PersonalDataErased, PersonalDataExported
from shared.contracts.profiles import (
    PersonCreated,
    PersonDeactivated,
    PersonErased,
    PersonReactivated,
    PersonUpdated,
)
from shared.events import CATALOG, CloudEvent, Event, EventType


async def audit_recorded(session: AsyncSession, envelope: CloudEvent, event: AuditRecorded) -> None:
    await trail.record(
        session, service=event.service, organization=envelope.organization, entries=event.entries
    )


async def part_exported(session: AsyncSession, envelope: CloudEvent, event: PersonalDataExported) -> None:
    await exports.record_part(session, organization=envelope.organization, event=event, now=utcnow())


async def erasure_confirmed(session: AsyncSession, envelope: CloudEvent, event: PersonalDataErased) -> None:
    await erasures.record_confirmation(session, organization=envelope.organization, event=event, now=utcnow())


def _accountability(service: str, handlers: Handlers | None = None) -> Handlers:
    """The handlers of one service's stream: its three accountability events (added to `handlers`)."""
    handlers = handlers or Handlers()
    for action, handler in (
        (EventType(service, "audit", "recorded"), audit_recorded),
        (EventType(service, "personal_data", "exported"), part_exported),
        (EventType(service, "personal_data", "erased"), erasure_confirmed),
    ):
        model: type[Event] | None = CATALOG.get(action.name)
        if model is not None:
            handlers.on(model)(handler)
    return handlers


def _profiles() -> Handlers:
    handlers = _accountability("profiles")

    @handlers.on(PersonCreated, PersonUpdated, PersonDeactivated)
    async def person_changed(
        session: AsyncSession, envelope: CloudEvent, event: PersonCreated | PersonUpdated | PersonDeactivated
    ) -> None:
        await people.apply(session, event.person, left_at=event.person.updated_at)

    @handlers.on(PersonReactivated)
    async def person_reactivated(
        session: AsyncSession, envelope: CloudEvent, event: PersonReactivated
    ) -> None:
        if await people.apply(session, event.person, left_at=None):
            await people.cancel_pending_erasures(
                session, organization=envelope.organization, person_id=event.person.id
            )

    @handlers.on(PersonErased)
    async def person_erased(session: AsyncSession, envelope: CloudEvent, event: PersonErased) -> None:
        await people.mark_erased(
            session, organization=envelope.organization, person_id=event.person_id, now=utcnow()
        )
        await PERSONAL_DATA.erase_and_confirm(
            session,
            organization=envelope.organization,
            person_id=event.person_id,
            erasure_id=event.erasure_id,
        )

    return handlers


def _privacy() -> Handlers:
    # Its own stream: its part of each export, like every service, and its own accountability events.
    return _accountability("privacy", PERSONAL_DATA.privacy_handlers())


def _sources() -> dict[str, Handlers]:
    """One consumer per stream the registry says this service reads (every publisher's)."""
    special = {"profiles": _profiles, "privacy": _privacy}
    return {
        source: special[source]() if source in special else _accountability(source)
        for source in spec("privacy").sources()
    }


SOURCES: dict[str, Handlers] = _sources()
