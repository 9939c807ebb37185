"""Use cases of calendar subscription feeds: a person creates and revokes their feed URLs; a
calendar app opens a feed with nothing but the secret token in its URL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access
from scheduling.feed_tokens import new_token, plausible, token_hash
from scheduling.models import CalendarFeed, Person
from scheduling.service.people import require_active_caller
from shared.auth import Principal
from shared.errors import Problem, not_found

# A feed is polled every few minutes by calendar apps; recording each poll would be a write per poll.
_USAGE_RESOLUTION = timedelta(hours=1)


def feed_owner(caller: Principal) -> uuid.UUID:
    """The person whose feeds the caller manages: themselves (403 for a non-person token)."""
    person_id = access.person_id_of(caller)
    if person_id is None:
        raise Problem(403, "calendar feeds belong to people; this token's subject is not a person")
    return person_id


async def create_feed(
    session: AsyncSession, *, caller: Principal, label: str | None, now: datetime, max_feeds: int
) -> tuple[CalendarFeed, str]:
    """A new feed of the caller's sessions; returns it with its token (shown once, stored hashed)."""
    person_id = feed_owner(caller)
    await require_active_caller(session, caller)
    live = await session.scalar(
        select(func.count())
        .select_from(CalendarFeed)
        .where(
            CalendarFeed.organization == caller.organization,
            CalendarFeed.person_id == person_id,
            CalendarFeed.revoked_at.is_(None),
        )
    )
    if (live or 0) >= max_feeds:
        raise Problem(
            409,
            f"at most {max_feeds} live calendar feeds per person: revoke one first",
            slug="too-many-feeds",
        )
    token = new_token()
    feed = CalendarFeed(
        id=uuid.uuid4(),
        organization=caller.organization,
        person_id=person_id,
        label=label,
        token_hash=token_hash(token),
        created_at=now,
    )
    session.add(feed)
    await session.flush()
    return feed, token


async def revoke_feed(session: AsyncSession, *, caller: Principal, feed_id: uuid.UUID, now: datetime) -> None:
    """Revoke a feed: its URL stops working at once. Admins may revoke anyone's."""
    feed = await session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.id == feed_id, CalendarFeed.organization == caller.organization)
        .with_for_update()
    )
    if feed is None or not (caller.is_admin or feed.person_id == access.person_id_of(caller)):
        raise not_found("calendar feed")
    if feed.revoked_at is None:
        feed.revoked_at = now


async def revoke_feeds_of(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, now: datetime
) -> int:
    """Revoke every live feed of a person (deactivated: a leaver's calendar stops at once)."""
    result = await session.execute(
        update(CalendarFeed)
        .where(
            CalendarFeed.organization == organization,
            CalendarFeed.person_id == person_id,
            CalendarFeed.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(CalendarFeed.id)
    )
    return len(result.all())


async def open_feed(session: AsyncSession, *, token: str, now: datetime) -> CalendarFeed | None:
    """The live feed a token opens (None for an unknown or revoked token, or one of a deactivated
    person's), noting that it was used."""
    if not plausible(token):
        return None
    deactivated_owner = exists().where(
        Person.id == CalendarFeed.person_id,
        Person.organization == CalendarFeed.organization,
        Person.active.is_(False),
    )
    feed = await session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == token_hash(token),
            CalendarFeed.revoked_at.is_(None),
            ~deactivated_owner,
        )
    )
    if feed is not None and (feed.last_used_at is None or now - feed.last_used_at > _USAGE_RESOLUTION):
        await session.execute(update(CalendarFeed).where(CalendarFeed.id == feed.id).values(last_used_at=now))
    return feed
