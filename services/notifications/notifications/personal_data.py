"""What notifications holds on a person (shared/personal_data.py): its copy of their name, email,
language and time zone, their preferences, their inbox and the deliveries to them with their log.

Erasure first takes the person's name out of what others were told (a match announcement names
the other person: it then says "Former member"), then deletes the person's own inbox, deliveries
and preferences, and anonymizes the copy of their profile. The name is read from this service's
own copy, which profiles' events kept current up to the erasure.
"""

from __future__ import annotations

import uuid

import orjson
from sqlalchemy import Table, Text, cast, delete, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.models import SCHEMA, Base, messaging
from shared.personal_data import FORMER_MEMBER, PersonalData, Records
from shared.retention import Retained


def _table(name: str) -> Table:
    return Base.metadata.tables[f"{SCHEMA}.{name}"]


PEOPLE = _table("people")
NOTIFICATIONS = _table("notifications")
DELIVERIES = _table("deliveries")
DELIVERY_LOG = _table("delivery_log")


async def erase_from_others(session: AsyncSession, organization: str, person_id: uuid.UUID) -> dict[str, int]:
    """Replace the person's name and email where others' notifications and deliveries quote them,
    then delete the log of deliveries to the person (their deliveries go with their records)."""
    known = (
        await session.execute(
            select(PEOPLE.c.name, PEOPLE.c.email).where(
                PEOPLE.c.id == person_id, PEOPLE.c.organization == organization
            )
        )
    ).first()
    counts = {"names_in_others_notifications": 0}
    if known is not None and known.name and known.name != FORMER_MEMBER:
        # A JSON string equal to the name, as PostgreSQL writes it: whole values only are replaced.
        quoted, replacement = orjson.dumps(known.name).decode(), orjson.dumps(FORMER_MEMBER).decode()
        context = cast(NOTIFICATIONS.c.context, Text)
        result = await session.execute(
            update(NOTIFICATIONS)
            .where(
                NOTIFICATIONS.c.organization == organization,
                context.contains(quoted) | NOTIFICATIONS.c.title.contains(known.name),
            )
            .values(
                context=cast(func.replace(context, quoted, replacement), JSONB),
                title=func.replace(NOTIFICATIONS.c.title, known.name, FORMER_MEMBER),
            )
        )
        counts["names_in_others_notifications"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        items = cast(DELIVERIES.c["items"], Text)
        await session.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.organization == organization, items.contains(known.name))
            .values(items=cast(func.replace(items, known.name, FORMER_MEMBER), JSONB))
        )
    own = select(DELIVERIES.c.id).where(
        DELIVERIES.c.organization == organization, DELIVERIES.c.person_id == person_id
    )
    logged = await session.execute(delete(DELIVERY_LOG).where(DELIVERY_LOG.c.delivery_id.in_(own)))
    counts["delivery_log"] = int(logged.rowcount or 0)  # type: ignore[attr-defined]
    return counts


PERSONAL_DATA = PersonalData(
    service="notifications",
    about="Notifications: your contact details and preferences as notifications uses them, your "
    "inbox, and what was sent to you on which channel.",
    messaging=messaging,
    # Runs before the records: it reads the name from the copy the records then anonymize.
    erase_more=erase_from_others,
    # The log of each delivery attempt goes after the organization's delivery-log period.
    retained=(Retained(table=DELIVERY_LOG, kind="delivery_log_days", since="at"),),
    records=(
        Records(
            table=_table("preferences"),
            about="Your notification preferences: channels per kind, quiet hours, digests",
            person=("person_id",),
            erase="delete",
        ),
        Records(
            table=NOTIFICATIONS,
            about="Your inbox: what you were told, when, whether you read or archived it",
            person=("person_id",),
            erase="delete",
        ),
        Records(
            table=DELIVERIES,
            about="Deliveries to you: channel, status, when (the provider's answers are not exported)",
            person=("person_id",),
            secret=("last_response", "claim_token"),
            erase="delete",
        ),
        Records(
            table=PEOPLE,
            about="Your name, email, language and time zone as notifications uses them",
            person=("id",),
            erase="anonymize",
            replace={"name": FORMER_MEMBER, "email": ""},
        ),
    ),
)
