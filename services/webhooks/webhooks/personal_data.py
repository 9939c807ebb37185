"""What webhooks holds on a person (shared/personal_data.py): the events it received that name them
(their own profile events carry their profile; others, such as a match, only their id) and the log
of delivering those events to the organization's endpoints.

Erasure redacts the events about the person themselves (their profile events keep their type, time
and subject, and their data becomes `{"erased": true}`, including what is still to be delivered),
and the endpoints' answers to them, which may have echoed what was sent. Events that only name the
person's id (a match, a session) stay as they are, for the other party.

Retention: received events (and with them their deliveries and the endpoints' answers) go once
they are older than their organization's `delivery_log_days`.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import and_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.personal_data import ExtraFile, PersonalData
from shared.retention import Retained
from shared.runtime import Runtime
from webhooks.models import SCHEMA, Base, messaging

EVENTS = Base.metadata.tables[f"{SCHEMA}.events"]
DELIVERIES = Base.metadata.tables[f"{SCHEMA}.deliveries"]
ATTEMPTS = Base.metadata.tables[f"{SCHEMA}.delivery_attempts"]
# Whatever the payload's layout, an event names a person when their id appears in it.
_NAMES = text("position(convert_to(:person, 'UTF8') IN webhooks.events.body) > 0")


def _about(organization: str, person_id: uuid.UUID) -> Any:
    return and_(EVENTS.c.organization == organization, _NAMES.bindparams(person=str(person_id)))


async def collect(
    session: AsyncSession, _runtime: Runtime, organization: str, person_id: uuid.UUID
) -> dict[str, ExtraFile]:
    events = (await session.execute(select(EVENTS).where(_about(organization, person_id)))).mappings().all()
    own = str(person_id)
    documents = [
        {
            "id": row["id"],
            "type": row["type"],
            "subject": row["subject"],
            "time": row["time"],
            "received_at": row["received_at"],
            # The event itself only when it is about them (their profile); others only by reference.
            "event": orjson.loads(row["body"]) if row["subject"] == own else None,
        }
        for row in events
    ]
    ids = [row["id"] for row in events]
    deliveries = []
    if ids:
        deliveries = [
            {name: value for name, value in row.items() if name not in ("claim_token", "last_response")}
            for row in (
                await session.execute(select(DELIVERIES).where(DELIVERIES.c.event_id.in_(ids)))
            ).mappings()
        ]
    return {
        "events.json": ExtraFile(
            about="Events naming you that were received for delivery to the organization's HR "
            "endpoints (the event itself when it is about your profile)",
            content=documents,
            records=len(documents),
        ),
        "deliveries.json": ExtraFile(
            about="The delivery log of those events: which endpoint, when, with what outcome",
            content=deliveries,
            records=len(deliveries),
        ),
    }


# The event keeps its envelope (id, type, time, subject); its data becomes {"erased": true}.
_REDACT = text(
    f"""
    UPDATE "{SCHEMA}".events
    SET body = convert_to(
        jsonb_set(convert_from(body, 'UTF8')::jsonb, '{{data}}', '{{"erased": true}}'::jsonb)::text, 'UTF8'
    )
    WHERE organization = :organization AND subject = :subject
      AND (convert_from(body, 'UTF8')::jsonb -> 'data') IS DISTINCT FROM '{{"erased": true}}'::jsonb
    """
)


async def erase(session: AsyncSession, organization: str, person_id: uuid.UUID) -> dict[str, int]:
    events = await session.execute(_REDACT, {"organization": organization, "subject": str(person_id)})
    theirs = select(EVENTS.c.id).where(
        EVENTS.c.organization == organization, EVENTS.c.subject == str(person_id)
    )
    answers = await session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.event_id.in_(theirs), DELIVERIES.c.last_response.is_not(None))
        .values(last_response=None)
    )
    await session.execute(
        update(ATTEMPTS)
        .where(
            ATTEMPTS.c.delivery_id.in_(select(DELIVERIES.c.id).where(DELIVERIES.c.event_id.in_(theirs))),
            ATTEMPTS.c.response.is_not(None),
        )
        .values(response=None)
    )
    return {
        "events_about_them": int(events.rowcount or 0),  # type: ignore[attr-defined]
        "delivery_answers": int(answers.rowcount or 0),  # type: ignore[attr-defined]
    }


PERSONAL_DATA = PersonalData(
    service="webhooks",
    about="Webhooks: events naming you that were delivered to your organization's HR systems, and "
    "the log of those deliveries.",
    messaging=messaging,
    collect_more=collect,
    erase_more=erase,
    # Deliveries and their attempts go with their event (ON DELETE CASCADE).
    retained=(Retained(table=EVENTS, kind="delivery_log_days", since="received_at"),),
)
