"""What outcomes keep from events: every version of a person's profile (profiles), goals and the
milestones reached (workspace) and course assignments (training), in the transaction of the event
(the inbox makes a redelivery harmless). A goal's or milestone's newer version also has the pair's
health evaluated again (its goal-progress component).

A profile version is written once (its key is the person and version): replays and out-of-order
delivery give the same history. Goals and assignments keep their newest version
(`upsert_if_newer`); an assignment's newer version also moves its program's training counts
(`training_counts`, for program analytics). Feedback's own `handlers.py` calls
`record_person_version` from its person handler and takes the workspace and training handlers into
its `SOURCES`.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.config import FeedbackSettings
from feedback.models import GOAL_MILESTONES, GOALS, PERSON_VERSIONS, TRAINING_ASSIGNMENTS
from feedback.outcomes.careers import skill_rose
from feedback.service.match_health import evaluate_match
from feedback.training_counts import count_change
from shared.clock import utcnow
from shared.consumer import Handlers
from shared.contracts.profiles import PersonState
from shared.contracts.training import (
    AssignmentProgress,
    TrainingAssigned,
    TrainingAssignmentClosed,
    TrainingAssignmentUpdated,
    TrainingCompleted,
    TrainingModuleCompleted,
    TrainingOverdue,
)
from shared.contracts.workspace import (
    GoalCompleted,
    GoalCreated,
    GoalProgressed,
    GoalState,
    GoalUpdated,
    MilestoneReached,
    MilestoneState,
)
from shared.events import CloudEvent
from shared.groups import region_of
from shared.locks import advisory_lock
from shared.read_models import upsert_if_newer


async def record_person_version(session: AsyncSession, person: PersonState) -> None:
    """Keep this version of the person's profile (once; a repeat changes nothing), and whether a
    skill rose from the version before it and to the version after it (versions may arrive in any
    order). The caller holds the person's row (feedback's person read model) for the transaction,
    so two versions of one person are never recorded at once."""
    skills = {skill.skill: skill.level for skill in person.skills}
    recorded = await session.execute(
        insert(PERSON_VERSIONS)
        .values(
            person_id=person.id,
            version=person.version,
            organization=person.organization,
            changed_at=person.updated_at,
            joined_at=person.created_at,
            active=person.active,
            department=person.department,
            seniority=person.seniority.value if person.seniority else None,
            title=person.title,
            time_zone_region=region_of(person.time_zone),
            skills=skills,
        )
        .on_conflict_do_nothing(index_elements=[PERSON_VERSIONS.c.person_id, PERSON_VERSIONS.c.version])
        .returning(PERSON_VERSIONS.c.version)
    )
    if recorded.first() is None:
        return
    mine = PERSON_VERSIONS.c.person_id == person.id
    before = await session.scalar(
        select(PERSON_VERSIONS.c.skills)
        .where(mine, PERSON_VERSIONS.c.version < person.version)
        .order_by(PERSON_VERSIONS.c.version.desc())
        .limit(1)
    )
    if before is not None and skill_rose(before, skills):
        await session.execute(
            update(PERSON_VERSIONS)
            .where(mine, PERSON_VERSIONS.c.version == person.version)
            .values(skill_rose=True)
        )
    after = (
        await session.execute(
            select(PERSON_VERSIONS.c.version, PERSON_VERSIONS.c.skills)
            .where(mine, PERSON_VERSIONS.c.version > person.version)
            .order_by(PERSON_VERSIONS.c.version)
            .limit(1)
        )
    ).first()
    if after is not None:
        await session.execute(
            update(PERSON_VERSIONS)
            .where(mine, PERSON_VERSIONS.c.version == after.version)
            .values(skill_rose=skill_rose(skills, after.skills))
        )


def workspace_handlers(settings: FeedbackSettings) -> Handlers:
    """Goals and milestones reached: kept for outcomes and program analytics (goal attainment), and
    the pair's health evaluated again (its goal-progress component)."""
    handlers = Handlers()

    # A proposed goal is not the mentee's until they accept it (`goal.created`): not counted.
    @handlers.on(GoalCreated, GoalUpdated, GoalProgressed, GoalCompleted)
    async def on_goal(session: AsyncSession, envelope: CloudEvent, event: GoalCreated) -> None:
        goal: GoalState = event.goal
        applied = await upsert_if_newer(
            session,
            GOALS,
            {
                "id": goal.id,
                "organization": goal.organization,
                "program_id": goal.program_id,
                "match_id": goal.match_id,
                "mentee_id": goal.mentee_id,
                "status": goal.status.value,
                "created_at": goal.created_at,
                "completed_at": goal.completed_at,
                "version": goal.version,
                "objective": goal.objective.value if goal.objective else None,
                "target_date": goal.target_date,
                "completed_on_time": goal.completed_on_time,
                "percent": goal.percent,
                "milestones_total": goal.milestones_total,
                "milestones_reached": goal.milestones_reached,
            },
            key=["id"],
        )
        if applied:
            await evaluate_match(session, match_id=goal.match_id, now=utcnow(), settings=settings)

    @handlers.on(MilestoneReached)
    async def on_milestone(session: AsyncSession, envelope: CloudEvent, event: MilestoneReached) -> None:
        milestone: MilestoneState = event.milestone
        applied = await upsert_if_newer(
            session,
            GOAL_MILESTONES,
            {
                "id": milestone.id,
                "organization": milestone.organization,
                "goal_id": milestone.goal_id,
                "match_id": milestone.match_id,
                "reached_at": milestone.reached_at,
                "version": milestone.version,
            },
            key=["id"],
        )
        if applied:
            await evaluate_match(session, match_id=milestone.match_id, now=utcnow(), settings=settings)

    return handlers


def training_handlers() -> Handlers:
    handlers = Handlers()

    @handlers.on(
        TrainingAssigned,
        TrainingModuleCompleted,
        TrainingCompleted,
        TrainingOverdue,
        TrainingAssignmentUpdated,
        TrainingAssignmentClosed,
    )
    async def on_assignment(session: AsyncSession, envelope: CloudEvent, event: TrainingAssigned) -> None:
        assignment: AssignmentProgress = event.assignment
        # Its program's counts move from the state held to the new one: one event of it at a time.
        await advisory_lock(session, f"feedback.training_assignment.{assignment.id}")
        before = (
            await session.execute(
                select(TRAINING_ASSIGNMENTS.c.status, TRAINING_ASSIGNMENTS.c.overdue).where(
                    TRAINING_ASSIGNMENTS.c.id == assignment.id
                )
            )
        ).first()
        applied = await upsert_if_newer(
            session,
            TRAINING_ASSIGNMENTS,
            {
                "id": assignment.id,
                "organization": assignment.organization,
                "program_id": assignment.program_id,
                "person_id": assignment.person_id,
                "role": assignment.role.value,
                "status": assignment.status.value,
                "assigned_at": assignment.assigned_at,
                "completed_at": assignment.completed_at,
                "version": assignment.version,
                "overdue": assignment.overdue,
            },
            key=["id"],
        )
        if applied:
            await count_change(session, before=before, assignment=assignment)

    return handlers
