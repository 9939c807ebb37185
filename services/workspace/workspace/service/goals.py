"""Goals of a pair: the mentee sets, edits and progresses them; the mentor comments and proposes
(a proposal becomes the mentee's goal when they accept it). Progress is an append-only history.
Milestones belong to a goal; reaching one is published.

Every change is checked before anything is written: a target date in the past, an empty title,
a skill that is neither among the mentee's skills nor their learning interests is a 422 naming
the field, and nothing is stored. Events carry the goal's state without its text.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.workspace import (
    GoalCompleted,
    GoalCreated,
    GoalProgressed,
    GoalProposed,
    GoalState,
    GoalStatus,
    GoalUpdated,
    GuidanceKind,
    MilestoneReached,
    MilestoneState,
)
from shared.errors import Problem, invalid_field, not_found
from shared.events import Event
from workspace import goal_templates, local_dates, queries
from workspace.access import PairAccess, Viewer
from workspace.config import WorkspaceSettings
from workspace.models import Goal, GoalComment, GoalProgress, Milestone, Proposal
from workspace.schemas import GoalCreate, GoalUpdate, MilestoneCreate, MilestoneUpdate, ProgressCreate
from workspace.service import OUTBOX
from workspace.service.goal_tallies import retally, tally_keys
from workspace.service.workspaces import lock_for_change, refresh_goal_summary

CLOSED_STATUSES = frozenset({GoalStatus.DONE.value, GoalStatus.DROPPED.value})


@dataclass(frozen=True)
class Mentee:
    """What validating a goal needs of its owner (from the profiles read model)."""

    known: bool
    time_zone: str | None
    skills: frozenset[str]

    def today(self, now: datetime) -> date:
        return local_dates.today_in(self.time_zone, now)


async def _mentee(session: AsyncSession, access: PairAccess) -> Mentee:
    person = await queries.person(session, person_id=access.mentee_id)
    if person is None:
        return Mentee(known=False, time_zone=None, skills=frozenset())
    return Mentee(
        known=True,
        time_zone=person.time_zone,
        skills=frozenset(person.skills) | frozenset(person.learning_interests),
    )


def _check_target(field: str, value: date | None, mentee: Mentee, now: datetime) -> None:
    if value is not None and value < mentee.today(now):
        raise invalid_field(field, "the date is in the past (in the mentee's time zone)", kind="date_in_past")


def _check_skills(skills: Sequence[str], mentee: Mentee) -> None:
    unknown = sorted(set(skills) - mentee.skills)
    if unknown:
        why = "" if mentee.known else " (the mentee's profile is not known here yet)"
        raise invalid_field(
            "skills",
            f"not among the mentee's skills or learning interests{why}: {', '.join(unknown)}",
            kind="unknown_skill",
        )


async def goal_state(session: AsyncSession, goal: Goal) -> GoalState:
    """The goal as its events carry it: no title, no measure."""
    await session.flush()
    counts = (
        await session.execute(
            select(func.count(), func.count(Milestone.reached_at)).where(Milestone.goal_id == goal.id)
        )
    ).one()
    objective = await queries.program_objective(session, program_id=goal.program_id)
    return GoalState(
        id=goal.id,
        organization=goal.organization,
        version=goal.version,
        match_id=goal.match_id,
        program_id=goal.program_id,
        mentee_id=goal.mentee_id,
        mentor_id=goal.mentor_id,
        objective=objective,
        status=GoalStatus(goal.status),
        percent=goal.percent,
        guidance_kind=GuidanceKind(goal.guidance_kind),
        skills=list(goal.skills),
        target_date=goal.target_date,
        template=goal.template,
        milestones_total=counts[0],
        milestones_reached=counts[1],
        created_at=goal.created_at,
        updated_at=goal.updated_at,
        completed_at=goal.completed_at,
        completed_on_time=goal.completed_on_time,
    )


async def _publish(session: AsyncSession, event: Event, goal: Goal) -> None:
    await OUTBOX.add(session, event, organization=goal.organization, subject=str(goal.id))


def _milestones(
    goal: Goal, milestones: Sequence[tuple[str, date | None]], *, start: int, now: datetime
) -> list[Milestone]:
    return [
        Milestone(
            id=uuid.uuid4(),
            organization=goal.organization,
            goal_id=goal.id,
            match_id=goal.match_id,
            program_id=goal.program_id,
            title=title,
            due_date=due,
            reached_at=None,
            reached_on_time=None,
            position=start + index,
            created_at=now,
            updated_at=now,
            version=1,
        )
        for index, (title, due) in enumerate(milestones)
    ]


async def create_goal(
    session: AsyncSession,
    *,
    caller: Principal,
    match_id: uuid.UUID,
    body: GoalCreate,
    now: datetime,
    settings: WorkspaceSettings,
) -> uuid.UUID:
    """The mentee sets a goal; the mentor's becomes a proposal the mentee accepts or declines."""
    access = (await lock_for_change(session, caller=caller, match_id=match_id)).writable()
    me = access.member()
    mentee = await _mentee(session, access)
    title, measure, kind = body.title, body.measure, body.guidance_kind
    target = body.target_date
    milestones: list[tuple[str, date | None]] = [(m.title, m.due_date) for m in body.milestones or []]
    template = None
    if body.template is not None:
        template = goal_templates.template(body.template)
        if template is None:
            raise invalid_field(
                "template", f"no goal template is called {body.template!r}", kind="unknown_template"
            )
        start = mentee.today(now)
        title = title or template.title
        measure = measure if "measure" in body.model_fields_set else template.measure
        kind = kind or template.guidance_kind
        target = target if "target_date" in body.model_fields_set else template.target_date(start)
        if body.milestones is None:
            milestones = [(name, due) for name, due in template.milestone_dates(start)]
    assert title is not None  # the request model requires a title or a template
    _check_target("target_date", target, mentee, now)
    for index, (_, due) in enumerate(milestones):
        _check_target(f"milestones.{index}.due_date", due, mentee, now)
    if len(milestones) > settings.max_milestones_per_goal:
        raise invalid_field("milestones", f"a goal has at most {settings.max_milestones_per_goal} milestones")
    _check_skills(body.skills, mentee)
    count = await session.scalar(select(func.count()).where(Goal.match_id == match_id)) or 0
    if count >= settings.max_goals_per_match:
        raise Problem(409, f"a pair has at most {settings.max_goals_per_match} goals", slug="limit-reached")
    by_mentee = access.viewer is Viewer.MENTEE
    goal = Goal(
        id=uuid.uuid4(),
        organization=access.organization,
        match_id=match_id,
        program_id=access.program_id,
        mentee_id=access.mentee_id,
        mentor_id=access.mentor_id,
        title=title,
        measure=measure,
        target_date=target,
        skills=list(body.skills),
        guidance_kind=(kind or GuidanceKind.TECHNICAL).value,
        status=GoalStatus.NOT_STARTED.value,
        percent=None,
        adopted=by_mentee,
        proposal=None if by_mentee else Proposal.PENDING.value,
        proposed_by=None if by_mentee else me,
        template=template.key if template else None,
        created_by=me,
        created_at=now,
        updated_at=now,
        completed_at=None,
        completed_on_time=None,
        version=1,
    )
    session.add(goal)
    session.add_all(_milestones(goal, milestones, start=0, now=now))
    await retally(session, organization=goal.organization, before=Counter(), after=tally_keys(goal))
    state = await goal_state(session, goal)
    await _publish(
        session, GoalCreated(goal=state) if by_mentee else GoalProposed(goal=state, proposed_by=me), goal
    )
    await refresh_goal_summary(session, match_id=match_id)
    return goal.id


async def _goal_for_change(
    session: AsyncSession, *, caller: Principal, goal_id: uuid.UUID
) -> tuple[PairAccess, Goal]:
    """A goal of one of the caller's pairs, its workspace locked for the change (404 when the
    caller cannot see it; 409 when the workspace is closed)."""
    match_id = await session.scalar(
        select(Goal.match_id).where(Goal.id == goal_id, Goal.organization == caller.organization)
    )
    if match_id is None:
        raise not_found("goal")
    access = (await lock_for_change(session, caller=caller, match_id=match_id)).writable()
    goal = await session.get(Goal, goal_id, populate_existing=True)
    assert goal is not None
    return access, goal


def _check_owner(access: PairAccess, goal: Goal) -> uuid.UUID:
    """The mentee changes their goals; the mentor changes only proposals of theirs still pending."""
    me = access.member()
    if goal.proposal == Proposal.PENDING.value:
        if me != goal.proposed_by:
            raise Problem(403, "a pending proposal is changed by the mentor who made it; accept it first")
        return me
    if goal.proposal == Proposal.DECLINED.value:
        raise Problem(409, "this proposal was declined", slug="proposal-declined")
    return access.mentee()


async def update_goal(
    session: AsyncSession,
    *,
    caller: Principal,
    goal_id: uuid.UUID,
    changes: GoalUpdate,
    if_match: str | None,
    now: datetime,
) -> uuid.UUID:
    """Edit a goal's what, measure, target date, skills or guidance kind (If-Match: its ETag)."""
    access, goal = await _goal_for_change(session, caller=caller, goal_id=goal_id)
    _check_owner(access, goal)
    check_if_match(if_match, goal.version)
    before = tally_keys(goal)
    mentee = await _mentee(session, access)
    fields = changes.model_dump(exclude_unset=True)
    if "target_date" in fields and fields["target_date"] != goal.target_date:
        _check_target("target_date", changes.target_date, mentee, now)
    if "skills" in fields and changes.skills is not None:
        # Only skills being added are checked: the mentee's profile may have moved on since.
        _check_skills(sorted(set(changes.skills) - set(goal.skills)), mentee)
    changed = []
    for name, value in fields.items():
        if name == "guidance_kind":
            value = GuidanceKind(value).value
        if getattr(goal, name) != value:
            setattr(goal, name, value)
            changed.append(name)
    if not changed:
        return goal.id
    if goal.completed_at is not None:
        goal.completed_on_time = local_dates.on_time(goal.completed_at, goal.target_date, mentee.time_zone)
    goal.version += 1
    goal.updated_at = now
    if goal.adopted:
        await retally(session, organization=goal.organization, before=before, after=tally_keys(goal))
        await _publish(session, GoalUpdated(goal=await goal_state(session, goal), changed=changed), goal)
        await refresh_goal_summary(session, match_id=goal.match_id)
    return goal.id


async def decide_proposal(
    session: AsyncSession,
    *,
    caller: Principal,
    goal_id: uuid.UUID,
    accept: bool,
    if_match: str | None,
    now: datetime,
) -> uuid.UUID:
    """The mentee accepts a proposal (it becomes their goal: `goal.created`) or declines it."""
    access, goal = await _goal_for_change(session, caller=caller, goal_id=goal_id)
    access.mentee()
    if goal.proposal != Proposal.PENDING.value:
        raise Problem(409, "this goal is not a pending proposal", slug="not-a-proposal")
    check_if_match(if_match, goal.version)
    if accept:
        # The mentee's profile may have changed since the mentor proposed it.
        mentee = await _mentee(session, access)
        _check_skills(goal.skills, mentee)
        _check_target("target_date", goal.target_date, mentee, now)
    before = tally_keys(goal)
    goal.proposal = (Proposal.ACCEPTED if accept else Proposal.DECLINED).value
    goal.adopted = accept
    await retally(session, organization=goal.organization, before=before, after=tally_keys(goal))
    goal.version += 1
    goal.updated_at = now
    if accept:
        await _publish(session, GoalCreated(goal=await goal_state(session, goal)), goal)
    await refresh_goal_summary(session, match_id=goal.match_id)
    return goal.id


async def record_progress(
    session: AsyncSession,
    *,
    caller: Principal,
    goal_id: uuid.UUID,
    body: ProgressCreate,
    if_match: str | None,
    now: datetime,
) -> uuid.UUID:
    """The mentee records progress: a new history entry, the goal's status and percent, and
    `goal.progressed` (plus `goal.completed` when it becomes done)."""
    access, goal = await _goal_for_change(session, caller=caller, goal_id=goal_id)
    me = access.mentee()
    if not goal.adopted:
        raise Problem(409, "progress is recorded on the mentee's goals, not on proposals", slug="not-adopted")
    check_if_match(if_match, goal.version)
    before = tally_keys(goal)
    previous = goal.status
    entry_id = uuid.uuid4()
    session.add(
        GoalProgress(
            id=entry_id,
            organization=goal.organization,
            goal_id=goal.id,
            match_id=goal.match_id,
            status=body.status.value,
            previous_status=previous,
            percent=body.percent,
            note=body.note,
            author_id=me,
            recorded_at=now,
        )
    )
    goal.status = body.status.value
    goal.percent = (
        body.percent
        if body.percent is not None
        else (100 if body.status is GoalStatus.DONE else goal.percent)
    )
    completed = body.status is GoalStatus.DONE and previous != GoalStatus.DONE.value
    if completed:
        mentee = await _mentee(session, access)
        goal.completed_at = now
        goal.completed_on_time = local_dates.on_time(now, goal.target_date, mentee.time_zone)
    elif body.status is not GoalStatus.DONE:
        goal.completed_at = None
        goal.completed_on_time = None
    goal.version += 1
    goal.updated_at = now
    await retally(session, organization=goal.organization, before=before, after=tally_keys(goal))
    state = await goal_state(session, goal)
    await _publish(
        session,
        GoalProgressed(
            goal=state,
            entry_id=entry_id,
            previous_status=GoalStatus(previous),
            progressed_by=me,
            progressed_at=now,
        ),
        goal,
    )
    if completed:
        await _publish(session, GoalCompleted(goal=state), goal)
    await refresh_goal_summary(session, match_id=goal.match_id)
    return goal.id


async def add_comment(
    session: AsyncSession, *, caller: Principal, goal_id: uuid.UUID, body: str, now: datetime
) -> GoalComment:
    """Either member comments on a goal (or a proposal)."""
    access, goal = await _goal_for_change(session, caller=caller, goal_id=goal_id)
    comment = GoalComment(
        id=uuid.uuid4(),
        organization=goal.organization,
        goal_id=goal.id,
        match_id=goal.match_id,
        author_id=access.member(),
        body=body,
        created_at=now,
    )
    session.add(comment)
    await session.flush()
    return comment


async def add_milestone(
    session: AsyncSession,
    *,
    caller: Principal,
    goal_id: uuid.UUID,
    body: MilestoneCreate,
    now: datetime,
    settings: WorkspaceSettings,
) -> uuid.UUID:
    """Add a milestone to a goal (its owner; or the mentor to a proposal of theirs)."""
    access, goal = await _goal_for_change(session, caller=caller, goal_id=goal_id)
    _check_owner(access, goal)
    mentee = await _mentee(session, access)
    _check_target("due_date", body.due_date, mentee, now)
    count, last = (
        await session.execute(
            select(func.count(), func.coalesce(func.max(Milestone.position), -1)).where(
                Milestone.goal_id == goal.id
            )
        )
    ).one()
    if count >= settings.max_milestones_per_goal:
        raise Problem(
            409, f"a goal has at most {settings.max_milestones_per_goal} milestones", slug="limit-reached"
        )
    (milestone,) = _milestones(goal, [(body.title, body.due_date)], start=last + 1, now=now)
    session.add(milestone)
    await refresh_goal_summary(session, match_id=goal.match_id)
    return milestone.id


async def update_milestone(
    session: AsyncSession,
    *,
    caller: Principal,
    milestone_id: uuid.UUID,
    changes: MilestoneUpdate,
    if_match: str | None,
    now: datetime,
) -> uuid.UUID:
    """Rename, re-date or reach a milestone (If-Match: its ETag); reaching one is published."""
    goal_id = await session.scalar(
        select(Milestone.goal_id).where(
            Milestone.id == milestone_id, Milestone.organization == caller.organization
        )
    )
    if goal_id is None:
        raise not_found("milestone")
    access, goal = await _goal_for_change(session, caller=caller, goal_id=goal_id)
    _check_owner(access, goal)
    milestone = await session.get(Milestone, milestone_id, populate_existing=True)
    assert milestone is not None
    check_if_match(if_match, milestone.version)
    mentee = await _mentee(session, access)
    fields = changes.model_dump(exclude_unset=True)
    if "due_date" in fields and changes.due_date != milestone.due_date:
        _check_target("due_date", changes.due_date, mentee, now)
        milestone.due_date = changes.due_date
    if changes.title is not None:
        milestone.title = changes.title
    reached_now = changes.reached is True and milestone.reached_at is None
    if reached_now:
        milestone.reached_at = now
        milestone.reached_on_time = local_dates.on_time(now, milestone.due_date, mentee.time_zone)
    elif changes.reached is False:
        milestone.reached_at = None
        milestone.reached_on_time = None
    elif milestone.reached_at is not None:
        milestone.reached_on_time = local_dates.on_time(
            milestone.reached_at, milestone.due_date, mentee.time_zone
        )
    milestone.version += 1
    milestone.updated_at = now
    if reached_now and goal.adopted:
        state = MilestoneState(
            id=milestone.id,
            organization=milestone.organization,
            version=milestone.version,
            goal_id=goal.id,
            match_id=goal.match_id,
            program_id=goal.program_id,
            mentee_id=goal.mentee_id,
            due_date=milestone.due_date,
            reached_at=milestone.reached_at,
            reached_on_time=milestone.reached_on_time,
        )
        await OUTBOX.add(
            session, MilestoneReached(milestone=state), organization=goal.organization, subject=str(goal.id)
        )
    await refresh_goal_summary(session, match_id=goal.match_id)
    return milestone.id
