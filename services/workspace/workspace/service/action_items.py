"""Action items of a pair ("read the attention paper", "mock interview on Friday"): an owner (one of
the pair), a due date, done or not, comments from either side, and the overdue announcement.

An item is overdue once its due date has ended in its owner's time zone (`due_at`). The overdue
job publishes `action_item.overdue` once per item and due date: the item is marked announced in
the transaction of its event, rows are claimed with SKIP LOCKED (replicas share the work), and a
new due date makes a new deadline that can be missed again.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.workspace import ActionItemOverdue
from shared.errors import Problem, invalid_field, not_found
from workspace import local_dates, queries
from workspace.access import PairAccess
from workspace.config import WorkspaceSettings
from workspace.models import ACTION_ITEMS, WORKSPACES, ActionItem, ActionItemComment, WorkspaceStatus
from workspace.schemas import ActionItemCreate, ActionItemUpdate
from workspace.service import OUTBOX
from workspace.service.workspaces import lock_for_change, refresh_action_summary


def _owner(access: PairAccess, owner_id: uuid.UUID | None, me: uuid.UUID) -> uuid.UUID:
    owner = owner_id or me
    if owner not in (access.mentor_id, access.mentee_id):
        raise invalid_field(
            "owner_id", "the owner is the mentor or the mentee of this pair", kind="not_a_member"
        )
    return owner


async def _due(
    session: AsyncSession, *, owner: uuid.UUID, due_date: date | None, now: datetime
) -> datetime | None:
    """When the item falls overdue: the end of its due date where its owner lives (422 when the
    date has already passed there)."""
    if due_date is None:
        return None
    person = await queries.person(session, person_id=owner)
    time_zone = person.time_zone if person is not None else None
    if due_date < local_dates.today_in(time_zone, now):
        raise invalid_field(
            "due_date", "the date is in the past (in the owner's time zone)", kind="date_in_past"
        )
    return local_dates.end_of_day(due_date, time_zone)


async def create_action_item(
    session: AsyncSession,
    *,
    caller: Principal,
    match_id: uuid.UUID,
    body: ActionItemCreate,
    now: datetime,
    settings: WorkspaceSettings,
) -> uuid.UUID:
    access = (await lock_for_change(session, caller=caller, match_id=match_id)).writable()
    me = access.member()
    owner = _owner(access, body.owner_id, me)
    due_at = await _due(session, owner=owner, due_date=body.due_date, now=now)
    open_items = await session.scalar(
        select(func.count()).where(ActionItem.match_id == match_id, ActionItem.done.is_(False))
    )
    if (open_items or 0) >= settings.max_open_action_items_per_match:
        raise Problem(
            409,
            f"a pair has at most {settings.max_open_action_items_per_match} open action items",
            slug="limit-reached",
        )
    item = ActionItem(
        id=uuid.uuid4(),
        organization=access.organization,
        match_id=match_id,
        program_id=access.program_id,
        owner_id=owner,
        title=body.title,
        due_date=body.due_date,
        due_at=due_at,
        done=False,
        done_at=None,
        created_by=me,
        created_at=now,
        updated_at=now,
        overdue_published_at=None,
        version=1,
    )
    session.add(item)
    await refresh_action_summary(session, match_id=match_id)
    return item.id


async def _item_for_change(
    session: AsyncSession, *, caller: Principal, item_id: uuid.UUID
) -> tuple[PairAccess, ActionItem]:
    match_id = await session.scalar(
        select(ActionItem.match_id).where(
            ActionItem.id == item_id, ActionItem.organization == caller.organization
        )
    )
    if match_id is None:
        raise not_found("action item")
    access = (await lock_for_change(session, caller=caller, match_id=match_id)).writable()
    item = await session.get(ActionItem, item_id, populate_existing=True, with_for_update=True)
    assert item is not None
    return access, item


async def update_action_item(
    session: AsyncSession,
    *,
    caller: Principal,
    item_id: uuid.UUID,
    changes: ActionItemUpdate,
    if_match: str | None,
    now: datetime,
) -> uuid.UUID:
    """Either member renames, reassigns, re-dates or ticks off an item (If-Match: its ETag)."""
    access, item = await _item_for_change(session, caller=caller, item_id=item_id)
    me = access.member()
    check_if_match(if_match, item.version)
    fields = changes.model_dump(exclude_unset=True)
    owner = _owner(access, changes.owner_id, me) if "owner_id" in fields else item.owner_id
    due_date = changes.due_date if "due_date" in fields else item.due_date
    if owner != item.owner_id or due_date != item.due_date:
        due_at = await _due(session, owner=owner, due_date=due_date, now=now)
        if due_at != item.due_at:
            item.overdue_published_at = None  # a new deadline, which can be missed again
        item.owner_id, item.due_date, item.due_at = owner, due_date, due_at
    if changes.title is not None:
        item.title = changes.title
    if changes.done is not None and changes.done != item.done:
        item.done = changes.done
        item.done_at = now if changes.done else None
    item.version += 1
    item.updated_at = now
    await refresh_action_summary(session, match_id=item.match_id)
    return item.id


async def add_comment(
    session: AsyncSession, *, caller: Principal, item_id: uuid.UUID, body: str, now: datetime
) -> ActionItemComment:
    access, item = await _item_for_change(session, caller=caller, item_id=item_id)
    comment = ActionItemComment(
        id=uuid.uuid4(),
        organization=item.organization,
        action_item_id=item.id,
        match_id=item.match_id,
        author_id=access.member(),
        body=body,
        created_at=now,
    )
    session.add(comment)
    await session.flush()
    return comment


async def announce_overdue(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Publish `action_item.overdue` for up to `limit` items of open workspaces whose due time
    passed undone and that were not announced yet; how many."""
    due = (
        select(ACTION_ITEMS, WORKSPACES.c.mentor_id, WORKSPACES.c.mentee_id)
        .join(WORKSPACES, WORKSPACES.c.match_id == ACTION_ITEMS.c.match_id)
        .where(
            ~ACTION_ITEMS.c.done,
            ACTION_ITEMS.c.overdue_published_at.is_(None),
            ACTION_ITEMS.c.due_at.is_not(None),
            ACTION_ITEMS.c.due_at < now,
            WORKSPACES.c.status == WorkspaceStatus.OPEN.value,
        )
        .order_by(ACTION_ITEMS.c.due_at)
        .limit(limit)
        .with_for_update(of=ACTION_ITEMS, skip_locked=True)
    )
    rows = (await session.execute(due)).all()
    if not rows:
        return 0
    await session.execute(
        update(ACTION_ITEMS)
        .where(ACTION_ITEMS.c.id.in_([row.id for row in rows]))
        .values(overdue_published_at=now)
    )
    await OUTBOX.add_many(
        session,
        [
            (
                ActionItemOverdue(
                    action_item_id=row.id,
                    match_id=row.match_id,
                    program_id=row.program_id,
                    owner_id=row.owner_id,
                    mentor_id=row.mentor_id,
                    mentee_id=row.mentee_id,
                    due_date=row.due_date,
                    due_at=row.due_at,
                ),
                row.organization,
                str(row.id),
            )
            for row in rows
        ],
    )
    return len(rows)
