"""Admins' views of a program: goal attainment (the share of goals completed by their target date)
and the goals at risk. Counts, dates, statuses and goal titles only: no notes, no messages.

The report reads the program's goal tallies (counts per state and target date, kept by every goal
change) and its pairs' summary rows: a few hundred rows and one row per pair, never every goal.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.contracts.profiles import ProgramObjective
from shared.contracts.workspace import GoalStatus
from shared.errors import not_found
from shared.pagination import keyset_page
from workspace.attainment import Tally, breakdown
from workspace.documents import OPEN_GOAL, Document
from workspace.models import Goal, Program, Workspace
from workspace.queries import program_objective

Page = tuple[list[Document], str | None]
# Skills listed in the report: the ones with the most goals.
TOP_SKILLS = 20


async def check_program(db: AsyncSession, *, caller: Principal, program_id: uuid.UUID) -> None:
    """404 unless the program is the caller's organization's (known from profiles or its pairs)."""
    organization = await db.scalar(select(Program.organization).where(Program.id == program_id))
    if organization == caller.organization:
        return
    if organization is None and await db.scalar(
        select(
            exists().where(Workspace.program_id == program_id, Workspace.organization == caller.organization)
        )
    ):
        return
    raise not_found("program")


# From the program's tallies (models.GoalTally); 9999-12-31 is "no target date", never before today.
_GOAL_TALLY = text(
    """
    SELECT grouping(guidance_kind) AS by_all_kinds, grouping(status) AS by_all_statuses,
           guidance_kind, status,
           coalesce(sum(goals), 0) AS goals,
           coalesce(sum(goals) FILTER (WHERE status = 'done'), 0) AS done,
           coalesce(sum(goals) FILTER (WHERE outcome = 'on_time'), 0) AS done_on_time,
           coalesce(sum(goals) FILTER (WHERE outcome = 'late'), 0) AS done_late,
           coalesce(sum(goals) FILTER (
               WHERE status IN ('not_started', 'on_track', 'at_risk') AND target_date < :today
           ), 0) AS overdue,
           coalesce(sum(goals) FILTER (
               WHERE status <> 'dropped' AND target_date <> DATE '9999-12-31'
                 AND (target_date < :today OR outcome = 'on_time')
           ), 0) AS due
    FROM workspace.goal_tallies
    WHERE program_id = :program_id AND skill = ''
    GROUP BY GROUPING SETS ((), (guidance_kind), (status))
    """
)

_SKILL_TALLY = text(
    """
    SELECT skill,
           sum(goals) AS goals,
           coalesce(sum(goals) FILTER (WHERE status = 'done'), 0) AS done,
           coalesce(sum(goals) FILTER (WHERE outcome = 'on_time'), 0) AS done_on_time,
           coalesce(sum(goals) FILTER (
               WHERE status <> 'dropped' AND target_date <> DATE '9999-12-31'
                 AND (target_date < :today OR outcome = 'on_time')
           ), 0) AS due
    FROM workspace.goal_tallies
    WHERE program_id = :program_id AND skill <> ''
    GROUP BY skill
    HAVING sum(goals) > 0
    ORDER BY sum(goals) DESC, skill
    LIMIT :top
    """
)

# The pairs, and their milestones, from their summary rows.
_PAIRS = text(
    """
    SELECT count(*) AS pairs,
           count(*) FILTER (WHERE status = 'open') AS open_pairs,
           count(*) FILTER (WHERE goals_total > 0) AS pairs_with_goals,
           coalesce(sum(goals_proposed), 0) AS proposals_pending,
           coalesce(sum(milestones_total), 0) AS milestones,
           coalesce(sum(milestones_reached), 0) AS reached,
           coalesce(sum(milestones_reached_on_time), 0) AS reached_on_time
    FROM workspace.workspaces WHERE program_id = :program_id
    """
)


def _tally(row: Any) -> Tally:
    return Tally(
        goals=int(row.goals), done=int(row.done), done_on_time=int(row.done_on_time), due=int(row.due)
    )


async def goal_attainment(
    db: AsyncSession, *, caller: Principal, program_id: uuid.UUID, today: date
) -> Document:
    """A program's goal attainment as of `today`: overall, by status, by guidance kind and by skill."""
    await check_program(db, caller=caller, program_id=program_id)
    params = {"program_id": program_id, "today": today}
    rows = (await db.execute(_GOAL_TALLY, params)).all()
    overall = next((row for row in rows if row.by_all_kinds and row.by_all_statuses), None)
    by_status = {status.value: 0 for status in GoalStatus}
    by_kind = []
    for row in rows:
        if not row.by_all_statuses:
            by_status[row.status] = int(row.goals)
        elif not row.by_all_kinds:
            by_kind.append(breakdown(row.guidance_kind, _tally(row)))
    skills = (await db.execute(_SKILL_TALLY, {**params, "top": TOP_SKILLS})).all()
    pairs = (await db.execute(_PAIRS, params)).one()
    total = _tally(overall) if overall is not None else Tally()
    objective: ProgramObjective | None = await program_objective(db, program_id=program_id)
    return {
        "program_id": program_id,
        "objective": objective,
        "as_of": today,
        "pairs": pairs.pairs,
        "open_pairs": pairs.open_pairs,
        "pairs_with_goals": pairs.pairs_with_goals,
        "goals": total.goals,
        "by_status": by_status,
        "done_on_time": total.done_on_time,
        "done_late": int(overall.done_late) if overall is not None else 0,
        "overdue": int(overall.overdue) if overall is not None else 0,
        "due": total.due,
        "attainment": total.attainment,
        "milestones": int(pairs.milestones),
        "milestones_reached": int(pairs.reached),
        "milestones_reached_on_time": int(pairs.reached_on_time),
        "by_guidance_kind": sorted(by_kind, key=lambda item: item["key"]),
        "by_skill": [breakdown(row.skill, _tally(row)) for row in skills],
        "proposals_pending": int(pairs.proposals_pending),
    }


async def at_risk_goals(
    db: AsyncSession, *, caller: Principal, program_id: uuid.UUID, today: date, limit: int, cursor: str | None
) -> Page:
    """A program's goals at risk: marked at risk by their mentee, or open past their target date."""
    await check_program(db, caller=caller, program_id=program_id)
    open_statuses = sorted(OPEN_GOAL)
    query = select(Goal.__table__).where(
        Goal.program_id == program_id,
        Goal.adopted,
        (Goal.status == GoalStatus.AT_RISK.value)
        | (Goal.status.in_(open_statuses) & (Goal.target_date < today)),
    )
    rows, next_cursor = await keyset_page(
        db, query, key=(Goal.created_at, Goal.id), limit=limit, cursor=cursor
    )
    return [
        {
            "goal_id": row.id,
            "match_id": row.match_id,
            "mentee_id": row.mentee_id,
            "mentor_id": row.mentor_id,
            "title": row.title,
            "status": row.status,
            "target_date": row.target_date,
            "overdue": row.status in OPEN_GOAL and row.target_date is not None and row.target_date < today,
            "guidance_kind": row.guidance_kind,
        }
        for row in rows
    ], next_cursor
