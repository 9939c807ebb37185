"""A pair's dashboard in one request, in five statements whatever the pair holds: the workspace
with its summary, program, members, agreement state and the caller's unread count (one row);
the open goals; their milestones; the overdue action items; the next session with its agenda.

Each statement reads through an index of the pair alone, so the cost does not grow with the
number of pairs in the database, and the statement count is fixed, so neither does the number
of round trips. The statements are built once (with bind parameters) and run on the session's
Core connection: building, cache-keying and ORM-wrapping them per request cost more than the
database did.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import DateTime, Uuid, bindparam, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from workspace import local_dates
from workspace.access import pair_access
from workspace.agreements import Signatures
from workspace.documents import (
    OPEN_GOAL,
    Document,
    action_item_document,
    agenda_item_document,
    goal_document,
    workspace_document,
)
from workspace.models import (
    ActionItem,
    AgendaItem,
    Agreement,
    Goal,
    Message,
    MessageRead,
    Milestone,
    Person,
    Program,
    ProgramSettings,
    Session,
    Workspace,
)

_W = Workspace.__table__.c
_MATCH = bindparam("match_id", type_=Uuid)
_ME = bindparam("me", type_=Uuid)
_NOW = bindparam("now", type_=DateTime(timezone=True))
_OPEN = sorted(OPEN_GOAL)


def _of(column: Any, key: Any, value: Any) -> Any:
    return select(column).where(key == value).scalar_subquery()


# The workspace row with what the dashboard shows beside it, each a primary-key lookup in a scalar
# subquery: PostgreSQL plans this in a fraction of the time a seven-way join takes (on a busy
# server, most of the statement's cost).
_LAST_READ = (
    select(MessageRead.last_read_number)
    .where(MessageRead.match_id == _MATCH, MessageRead.person_id == _ME)
    .scalar_subquery()
)
_UNREAD = (
    select(func.count())
    .where(
        Message.match_id == _MATCH,
        Message.number > func.coalesce(_LAST_READ, 0),
        Message.sender_id != _ME,
        Message.deleted_at.is_(None),
    )
    .scalar_subquery()
)
HEADER = select(
    Workspace.__table__,
    _of(Program.name, Program.id, _W.program_id).label("program_name"),
    _of(Program.objective, Program.id, _W.program_id).label("program_objective"),
    _of(Person.name, Person.id, _W.mentor_id).label("mentor_name"),
    _of(Person.time_zone, Person.id, _W.mentor_id).label("mentor_zone"),
    _of(Person.active, Person.id, _W.mentor_id).label("mentor_active"),
    _of(Person.name, Person.id, _W.mentee_id).label("mentee_name"),
    _of(Person.time_zone, Person.id, _W.mentee_id).label("mentee_zone"),
    _of(Person.active, Person.id, _W.mentee_id).label("mentee_active"),
    _of(Agreement.version, Agreement.match_id, _W.match_id).label("agreement_version"),
    _of(Agreement.mentor_signed_version, Agreement.match_id, _W.match_id).label("mentor_signed_version"),
    _of(Agreement.mentee_signed_version, Agreement.match_id, _W.match_id).label("mentee_signed_version"),
    func.coalesce(
        _of(ProgramSettings.agreement_required, ProgramSettings.program_id, _W.program_id), literal(False)
    ).label("agreement_required"),
    _UNREAD.label("unread"),
).where(_W.match_id == _MATCH, _W.organization == bindparam("organization"))

_OPEN_GOALS = (Goal.match_id == _MATCH) & Goal.adopted & Goal.status.in_(_OPEN)
GOALS = (
    select(Goal.__table__)
    .where(_OPEN_GOALS)
    .order_by(Goal.target_date.asc().nulls_last(), Goal.created_at, Goal.id)
)
MILESTONES = (
    select(Milestone.__table__)
    .where(Milestone.match_id == _MATCH, Milestone.goal_id.in_(select(Goal.id).where(_OPEN_GOALS)))
    .order_by(Milestone.goal_id, Milestone.position)
)
OVERDUE = (
    select(ActionItem.__table__)
    .where(ActionItem.match_id == _MATCH, ~ActionItem.done, ActionItem.due_at < _NOW)
    .order_by(ActionItem.due_at, ActionItem.id)
)
_UPCOMING = (
    select(Session.id, Session.starts_at, Session.ends_at, Session.format)
    .where(Session.match_id == _MATCH, Session.status == "scheduled", Session.ends_at > _NOW)
    .order_by(Session.starts_at)
    .limit(1)
    .subquery("upcoming")
)
# The next session, with its agenda points (none: one row of the session alone).
NEXT_SESSION = (
    select(
        _UPCOMING.c.id.label("upcoming_id"),
        _UPCOMING.c.starts_at.label("upcoming_starts_at"),
        _UPCOMING.c.ends_at.label("upcoming_ends_at"),
        _UPCOMING.c.format.label("upcoming_format"),
        AgendaItem.__table__,
        _of(Goal.title, Goal.id, AgendaItem.goal_id).label("goal_title"),
        _of(ActionItem.title, ActionItem.id, AgendaItem.action_item_id).label("action_item_title"),
    )
    .select_from(_UPCOMING)
    .outerjoin(AgendaItem, AgendaItem.session_id == _UPCOMING.c.id)
    .order_by(AgendaItem.created_at, AgendaItem.id)
)


def _member(person_id: uuid.UUID, name: str | None, zone: str | None, active: bool | None) -> Any:
    return None if name is None else SimpleNamespace(id=person_id, name=name, time_zone=zone, active=active)


async def dashboard(db: AsyncSession, *, caller: Principal, match_id: uuid.UUID, now: datetime) -> Document:
    """The pair's plan: workspace, agreement, open goals with milestones, overdue action items,
    and the next session with its agenda."""
    connection = await db.connection()
    me = caller.person_id or uuid.UUID(int=0)
    row = (
        await connection.execute(
            HEADER, {"match_id": match_id, "organization": caller.organization, "me": me}
        )
    ).first()
    access = pair_access(caller, row)
    assert row is not None
    pair = {"match_id": match_id, "now": now}
    goals = (await connection.execute(GOALS, pair)).all()
    milestones: dict[uuid.UUID, list[Any]] = defaultdict(list)
    if goals:
        for milestone in (await connection.execute(MILESTONES, pair)).all():
            milestones[milestone.goal_id].append(milestone)
    overdue = (await connection.execute(OVERDUE, pair)).all()
    points = (await connection.execute(NEXT_SESSION, pair)).all()

    people = {
        row.mentor_id: _member(row.mentor_id, row.mentor_name, row.mentor_zone, row.mentor_active),
        row.mentee_id: _member(row.mentee_id, row.mentee_name, row.mentee_zone, row.mentee_active),
    }
    program = (
        None
        if row.program_name is None
        else SimpleNamespace(name=row.program_name, objective=row.program_objective)
    )
    today = local_dates.today_in(row.mentee_zone, now)
    next_session = None
    if points:
        first = points[0]
        next_session = {
            "id": first.upcoming_id,
            "starts_at": first.upcoming_starts_at,
            "ends_at": first.upcoming_ends_at,
            "format": first.upcoming_format,
            "agenda": [agenda_item_document(point) for point in points if point.id is not None],
        }
    signatures = Signatures(
        version=row.agreement_version or 0,
        mentor_signed_version=row.mentor_signed_version,
        mentee_signed_version=row.mentee_signed_version,
    )
    unread = int(row.unread) if access.is_member else None
    return {
        "workspace": workspace_document(row, people=people, program=program, now=now, unread=unread),
        "agreement": {
            "status": signatures.status(stored=row.agreement_version is not None),
            "version": signatures.version,
            "required_before_first_session": bool(row.agreement_required),
            "mentor_signed": signatures.mentor_signed,
            "mentee_signed": signatures.mentee_signed,
        },
        "open_goals": [goal_document(goal, milestones.get(goal.id, ()), today=today) for goal in goals],
        "overdue_action_items": [action_item_document(item, now=now) for item in overdue],
        "next_session": next_session,
    }
