"""What `Outbox.add_many` writes: one outbox row per event in the caller's transaction, in the
order given (the relay publishes by `seq`), each payload the JSON of its CloudEvent envelope."""

from __future__ import annotations

import datetime as dt

import orjson
from sqlalchemy import select

from profiles.models import messaging
from shared.contracts.profiles import SkillCreated, SkillState
from shared.db import create_engine, session_factory
from shared.events import CloudEvent
from shared.outbox import Outbox
from tests.conftest import Platform, new_org


def _skill_created(organization: str, slug: str) -> SkillCreated:
    return SkillCreated(
        skill=SkillState(
            organization=organization,
            slug=slug,
            label="A skill",
            category="other",
            created_at=dt.datetime.now(dt.UTC),
        )
    )


async def test_events_added_together_are_stored_in_their_order_as_their_envelopes(platform: Platform) -> None:
    engine = create_engine(platform.database_url, pool_size=1)
    organization = new_org()
    table = messaging.outbox
    try:
        for count in (1, 7):
            events = [
                (_skill_created(organization, f"skill-{n}"), organization, f"skill-{n}") for n in range(count)
            ]
            async with session_factory(engine)() as session, session.begin():
                envelopes = await Outbox(table).add_many(session, events)
                rows = (
                    await session.execute(
                        select(
                            table.c.id,
                            table.c.subject,
                            table.c.payload,
                            table.c.headers,
                            table.c.published_at,
                        )
                        .where(table.c.id.in_([envelope.id for envelope in envelopes]))
                        .order_by(table.c.seq)
                    )
                ).all()
                await session.rollback()  # nothing for a relay to publish
            assert [row.id for row in rows] == [envelope.id for envelope in envelopes]
            assert [CloudEvent.model_validate(orjson.loads(row.payload)) for row in rows] == envelopes
            assert [envelope.subject for envelope in envelopes] == [f"skill-{n}" for n in range(count)]
            assert {row.subject for row in rows} == {"profiles.skill.created"}
            assert all(
                row.headers["Ce-Type"] == envelopes[0].type and row.published_at is None for row in rows
            )
    finally:
        await engine.dispose()
