"""Use cases of programs: create one (with the default score weights), change its settings,
weights or status."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import lifecycle
from profiles.documents import Document, program_document
from profiles.formats import ROLES, check_matching_mode, format_fixed, format_settings
from profiles.models import Enrollment, MatchedProgram, Program
from profiles.schemas import ProgramCreate, ProgramUpdate
from profiles.service.changes import locked, plain, record_change, record_creation
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.contracts.profiles import (
    DEFAULT_SCORE_WEIGHTS,
    EnrollmentStatus,
    MatchingMode,
    PersonalityTrait,
    ProgramCreated,
    ProgramFormat,
    ProgramState,
    ProgramStatus,
    ProgramUpdated,
    ScoreComponent,
    TraitFit,
)
from shared.errors import Problem, invalid_field


def _score_weights(current: dict[str, float], given: dict[ScoreComponent, float]) -> dict[str, float]:
    """Given weights over the current ones; every component present (a component added since the
    program was stored gets its default), at least one positive."""
    merged = {**current, **{component.value: weight for component, weight in given.items()}}
    weights = {
        component.value: float(merged.get(component.value, DEFAULT_SCORE_WEIGHTS[component]))
        for component in ScoreComponent
    }
    if not any(weight > 0 for weight in weights.values()):
        raise invalid_field("score_weights", "at least one score weight must be positive")
    return weights


def _personality_fit(current: dict[str, str], given: dict[PersonalityTrait, TraitFit]) -> dict[str, str]:
    """Given per-trait settings over the current ones (a trait never set is compared for similarity)."""
    return {**current, **{trait.value: fit.value for trait, fit in given.items()}}


def _check_cohort(start: date, end: date) -> None:
    if end <= start:
        raise invalid_field("cohort_end", "cohort_end must be after cohort_start")


async def create_program(session: AsyncSession, *, caller: Principal, fields: ProgramCreate) -> Document:
    values = {
        name: plain(value)
        for name, value in fields.model_dump(
            exclude={"score_weights", "personality_fit", "format_settings"}
        ).items()
    }
    check_matching_mode(fields.format, fields.matching_mode)
    defaults = {component.value: weight for component, weight in DEFAULT_SCORE_WEIGHTS.items()}
    now = utcnow()
    program = Program(
        id=uuid.uuid4(),
        organization=caller.organization,
        score_weights=_score_weights(defaults, fields.score_weights),
        personality_fit=_personality_fit({}, fields.personality_fit),
        intake_criteria=[],
        format_settings=format_settings(fields.format, current=None, given=fields.format_settings),
        version=1,
        created_at=now,
        updated_at=now,
        **values,
    )
    return await record_creation(
        session,
        program,
        document_of=program_document,
        event_of=lambda document: ProgramCreated(program=ProgramState.model_validate(document)),
    )


async def update_program(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    changes: ProgramUpdate,
    if_match: str | None,
) -> Document:
    program: Program | None = await locked(
        session, Program, organization=caller.organization, row_id=program_id
    )
    if program is None:
        raise Problem(404, "program not found")
    check_if_match(if_match, program.version)
    fields = changes.model_fields_set
    values = {name: plain(value) for name, value in changes.model_dump(include=fields).items()}
    if "score_weights" in values:
        values["score_weights"] = _score_weights(program.score_weights, changes.score_weights or {})
    if "personality_fit" in values:
        values["personality_fit"] = _personality_fit(program.personality_fit, changes.personality_fit or {})
    _check_cohort(
        values.get("cohort_start", program.cohort_start), values.get("cohort_end", program.cohort_end)
    )
    if "format" in values or "format_settings" in values or "matching_mode" in values:
        await _apply_format(session, program, values, changes)
    if "status" in values and not lifecycle.program_transition_allowed(
        ProgramStatus(program.status), ProgramStatus(values["status"])
    ):
        raise Problem(
            409, f"a {program.status} program cannot become {values['status']}", slug="invalid-transition"
        )
    changed = {name: value for name, value in values.items() if getattr(program, name) != value}
    if not changed:
        return program_document(program)
    return await record_change(
        session,
        program,
        changed,
        document_of=program_document,
        event_of=lambda document: ProgramUpdated(
            program=ProgramState.model_validate(document), changed=sorted(changed)
        ),
    )


async def _apply_format(
    session: AsyncSession, program: Program, values: dict[str, Any], changes: ProgramUpdate
) -> None:
    """Check a change of format, its settings or the matching mode, and complete the settings.

    A format is fixed once matching made a match or circle in the program (409), and can only change
    while every live enrollment has a role of the new format (409): a peer program has no mentors.
    """
    new_format = ProgramFormat(values.get("format", program.format))
    check_matching_mode(new_format, MatchingMode(values.get("matching_mode", program.matching_mode)))
    changing = new_format.value != program.format
    if changing:
        if await session.get(MatchedProgram, program.id) is not None:
            raise format_fixed()
        allowed = [role.value for role in ROLES[new_format]]
        misfits = await session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(
                Enrollment.program_id == program.id,
                Enrollment.status.in_([EnrollmentStatus.PENDING.value, EnrollmentStatus.ACTIVE.value]),
                Enrollment.role.not_in(allowed),
            )
        )
        if misfits:
            raise Problem(
                409,
                f"{misfits} live enrollment(s) have a role a {new_format.value} program does not have",
                slug="enrollments-incompatible",
            )
    if changing or "format_settings" in values:
        values["format_settings"] = format_settings(
            new_format,
            current=None if changing else program.format_settings,
            given=changes.format_settings,
        )
