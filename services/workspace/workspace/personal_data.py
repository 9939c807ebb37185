"""What the workspace holds on a person (shared/personal_data.py): the pair's shared documents (the
agreement, goals and milestones, action items, session agendas and notes) of their matches, what
they wrote themselves (messages, comments, progress notes, their private notes), what they signed
and reported.

Erasure removes the person's own text — messages (they become tombstones, so counts stay), comments,
agenda items, progress notes, private notes — quotes of their name in the pair's shared text, and
the name in the copy of their profile. The shared documents of a pair stay with the other party,
and counts (messages, goals, milestones) are unchanged.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.personal_data import FORMER_MEMBER, ExtraFile, Mentions, NamesCopy, PersonalData, Records
from shared.retention import Retained
from shared.runtime import Runtime
from workspace.models import SCHEMA, Base, messaging

REMOVED = "(removed)"


def _table(name: str) -> Table:
    return Base.metadata.tables[f"{SCHEMA}.{name}"]


WORKSPACES = _table("workspaces")
# The pair's shared documents, exported to both of them (keyed by the match).
SHARED = {
    "agreements.json": ("agreements", "The agreement of each of your mentorships, as the pair wrote it"),
    "goals.json": ("goals", "The goals of your mentorships"),
    "milestones.json": ("milestones", "The milestones of those goals"),
    "action_items.json": ("action_items", "The action items of your mentorships"),
    "session_notes.json": ("session_notes", "The shared notes of your sessions"),
}


async def shared_documents(
    session: AsyncSession, _runtime: Runtime, organization: str, person_id: uuid.UUID
) -> dict[str, ExtraFile]:
    matches = (
        select(WORKSPACES.c.match_id)
        .where(
            WORKSPACES.c.organization == organization,
            or_(WORKSPACES.c.mentor_id == person_id, WORKSPACES.c.mentee_id == person_id),
        )
        .scalar_subquery()
    )
    files: dict[str, ExtraFile] = {}
    for file, (name, about) in SHARED.items():
        table = _table(name)
        rows = [
            dict(row)
            for row in (
                await session.execute(
                    select(table).where(table.c.organization == organization, table.c.match_id.in_(matches))
                )
            ).mappings()
        ]
        files[file] = ExtraFile(about=about, content=rows, records=len(rows))
    return files


async def erase_quotes_of_their_messages(
    session: AsyncSession, organization: str, person_id: uuid.UUID
) -> dict[str, int]:
    """A report keeps a copy of the reported message: gone when the person wrote it."""
    messages, reports = _table("messages"), _table("message_reports")
    theirs = select(messages.c.id).where(
        messages.c.organization == organization, messages.c.sender_id == person_id
    )
    result = await session.execute(
        update(reports)
        .where(
            reports.c.organization == organization,
            reports.c.message_id.in_(theirs),
            reports.c.reported_body.is_not(None),
        )
        .values(reported_body=None)
    )
    return {"reported_copies": int(result.rowcount or 0)}  # type: ignore[attr-defined]


def _own_text(name: str, about: str, owner: str, column: str, replacement: object) -> Records:
    return Records(
        table=_table(name),
        about=about,
        person=(owner,),
        owner=owner,
        private=(column,),
        erase="anonymize",
        replace={column: replacement},
    )


def _match_closed_at(table: Table) -> ColumnElement[Any]:
    """When the workspace of the row's match closed (the match ended); NULL while it is open."""
    return select(WORKSPACES.c.closed_at).where(WORKSPACES.c.match_id == table.c.match_id).scalar_subquery()


PERSONAL_DATA = PersonalData(
    service="workspace",
    about="Workspace: the shared documents of your mentorships (agreement, goals, action items, "
    "agendas, session notes), your messages, comments and private notes.",
    messaging=messaging,
    collect_more=shared_documents,
    erase_more=erase_quotes_of_their_messages,
    # Ended matches' session notes and agendas go after the organization's period (messages, with
    # the copies kept in reports, after its `messages_days`: the `message_retention` job).
    retained=(
        Retained(table=_table("session_notes"), kind="ended_match_notes_days", since=_match_closed_at),
        Retained(table=_table("agenda_items"), kind="ended_match_notes_days", since=_match_closed_at),
    ),
    names=NamesCopy(_table("people")),
    mentions=(
        Mentions(_table("agreements"), ("sections",)),
        Mentions(_table("goals"), ("title", "measure")),
        Mentions(_table("milestones"), ("title",)),
        Mentions(_table("action_items"), ("title",)),
        Mentions(_table("session_notes"), ("body",)),
        Mentions(_table("messages"), ("body",)),
        Mentions(_table("goal_comments"), ("body",)),
        Mentions(_table("action_item_comments"), ("body",)),
        Mentions(_table("agenda_items"), ("body",)),
        Mentions(_table("intervention_notes"), ("body",)),
        Mentions(_table("cases"), ("outcome_note",)),
        Mentions(_table("case_actions"), ("note",)),
        Mentions(_table("message_reports"), ("reported_body", "note", "resolution")),
    ),
    records=(
        Records(
            table=_table("people"),
            about="Your name, time zone and skills as the workspace shows them",
            person=("id",),
            erase="anonymize",
            replace={"name": FORMER_MEMBER},
        ),
        Records(
            table=WORKSPACES,
            about="Your mentorships' workspaces: status and counts",
            person=("mentor_id", "mentee_id"),
        ),
        Records(
            table=_table("messages"),
            about="Messages you sent and received in your mentorships",
            person=("sender_id", "recipient_id"),
            owner="sender_id",
            erase="anonymize",
            # A tombstone, as when a message is deleted: the pair's message counts stay right.
            replace={"body": None, "deleted_at": func.coalesce(_table("messages").c.deleted_at, func.now())},
        ),
        Records(
            table=_table("message_reads"),
            about="How far you read each conversation",
            person=("person_id",),
        ),
        Records(
            table=_table("message_reports"),
            about="Messages you reported and why (the reported text is not repeated)",
            person=("reporter_id",),
            secret=("reported_body", "resolution"),
        ),
        _own_text("goal_comments", "Your comments on goals", "author_id", "body", REMOVED),
        _own_text("action_item_comments", "Your comments on action items", "author_id", "body", REMOVED),
        _own_text(
            "goal_progress", "Progress you recorded on goals, with your notes", "author_id", "note", None
        ),
        Records(
            table=_table("private_notes"),
            about="Your private notes on sessions (only you ever read them)",
            person=("author_id",),
            erase="delete",
        ),
        Records(
            table=_table("agreement_signatures"),
            about="Which versions of agreements you signed, and when",
            person=("person_id",),
        ),
        Records(
            table=_table("cases"),
            about="Support cases about your mentorships (without the admins' notes)",
            person=("mentor_id", "mentee_id"),
            secret=("outcome_note",),
        ),
    ),
)
