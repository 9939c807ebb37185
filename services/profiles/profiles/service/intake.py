"""Use cases of program intake questionnaires: an admin replaces a program's questions; answers are
checked against them at enrollment.

The questionnaire belongs to the program: its ETag is the program's, and a change that alters the
matching criteria publishes the program's new state (`intake_criteria`). Answers that no longer fit
(a question or an option removed) are dropped from enrollments, and every enrollment whose criterion
answers changed publishes its new state, so matching's read model follows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import intake
from profiles.documents import Document, enrollment_document, program_document
from profiles.intake import Question
from profiles.models import Enrollment, IntakeQuestion, Program
from profiles.queries import questions_of
from profiles.schemas import QuestionnaireIn
from profiles.service.changes import apply_change, flush, locked, publish, record_change
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.contracts.profiles import (
    EnrollmentRole,
    EnrollmentState,
    EnrollmentUpdated,
    ProgramState,
    ProgramUpdated,
)
from shared.errors import Problem


def _problem(errors: Sequence[dict[str, str]]) -> Problem:
    return Problem(422, "the intake answers do not fit the program's questionnaire", errors=list(errors))


async def checked_answers(
    session: AsyncSession,
    *,
    organization: str,
    program_id: uuid.UUID,
    role: EnrollmentRole,
    answers: dict[str, Any],
    require_all: bool,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(answers as stored, what matching receives), or a 422 naming every refused answer."""
    questions = await questions_of(session, program_id)
    stored, errors, unknown = intake.check_answers(questions, answers, role=role, require_all=require_all)
    found = [
        {"field": f"body.{error.field}", "message": error.message, "type": error.kind} for error in errors
    ]
    if unknown:
        ids = [uuid.UUID(key) for key in unknown if _is_uuid(key)]
        elsewhere = set()
        if ids:
            elsewhere = {
                str(row)
                for row in await session.scalars(
                    select(IntakeQuestion.id).where(
                        IntakeQuestion.id.in_(ids), IntakeQuestion.organization == organization
                    )
                )
            }
        for key in unknown:
            message = (
                "this question belongs to another program"
                if key in elsewhere
                else "no such question in this program's questionnaire"
            )
            found.append(
                {"field": f"body.intake_answers.{key}", "message": message, "type": "unknown_question"}
            )
    if found:
        raise _problem(found)
    return stored, intake.matching_answers(questions, stored)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def replace_questionnaire(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    body: QuestionnaireIn,
    if_match: str | None,
) -> tuple[Document, list[Question]]:
    """Replace the program's questions (If-Match: the program's ETag); (program, questions)."""
    program: Program | None = await locked(
        session, Program, organization=caller.organization, row_id=program_id
    )
    if program is None:
        raise Problem(404, "program not found")
    check_if_match(if_match, program.version)
    existing = {
        row.id: row
        for row in await session.scalars(
            select(IntakeQuestion).where(IntakeQuestion.program_id == program.id)
        )
    }
    refused = [
        {
            "field": f"body.questions.{position}.id",
            "message": "not a question of this program (leave id out for a new question)",
            "type": "unknown_question",
        }
        for position, question in enumerate(body.questions)
        if question.id is not None and question.id not in existing
    ]
    if refused:
        raise Problem(422, "the questionnaire names questions this program does not have", errors=refused)
    now = utcnow()
    kept = {question.id for question in body.questions if question.id is not None}
    removed = [question_id for question_id in existing if question_id not in kept]
    if removed:
        await session.execute(delete(IntakeQuestion).where(IntakeQuestion.id.in_(removed)))
    for position, question in enumerate(body.questions):
        values = {
            "position": position,
            "roles": [role.value for role in question.roles],
            "kind": question.kind.value,
            "prompt": question.prompt,
            "required": question.required,
            "options": [{"id": option.id, "label": option.label} for option in question.options],
            "scale_min": question.scale_min,
            "scale_max": question.scale_max,
            "criterion": question.criterion.value if question.criterion else None,
            "updated_at": now,
        }
        row = existing.get(question.id) if question.id is not None else None
        if row is None:
            session.add(
                IntakeQuestion(
                    id=uuid.uuid4(),
                    organization=program.organization,
                    program_id=program.id,
                    created_at=now,
                    **values,
                )
            )
        else:
            for name, value in values.items():
                setattr(row, name, value)
    await flush(session)
    questions = await questions_of(session, program.id)
    criteria = [criterion.model_dump(mode="json") for criterion in intake.criteria(questions)]
    changed = {"intake_criteria": criteria} if criteria != program.intake_criteria else {}
    await apply_change(session, program, changed)
    document = program_document(program)
    await publish(
        session,
        ProgramUpdated(program=ProgramState.model_validate(document), changed=sorted(changed)),
        organization=program.organization,
        subject=program.id,
    )
    await _refit_answers(session, program_id=program.id, questions=questions)
    return document, questions


async def _refit_answers(session: AsyncSession, *, program_id: uuid.UUID, questions: list[Question]) -> None:
    """Drop answers the questionnaire no longer has room for; publish enrollments whose change
    matters to matching (or whose answers changed at all)."""
    enrollments = await session.scalars(
        select(Enrollment).where(Enrollment.program_id == program_id).with_for_update(key_share=True)
    )
    for enrollment in enrollments:
        kept, _, _ = intake.check_answers(
            questions, enrollment.intake_answers, role=EnrollmentRole(enrollment.role), require_all=False
        )
        changed: dict[str, Any] = {}
        if kept != enrollment.intake_answers:
            changed["intake_answers"] = kept
        matching = intake.matching_answers(questions, kept)
        if matching != enrollment.matching_answers:
            changed["matching_answers"] = matching
        if not changed:
            continue
        await record_change(
            session,
            enrollment,
            changed,
            document_of=enrollment_document,
            event_of=lambda document, names=sorted(changed): EnrollmentUpdated(
                enrollment=EnrollmentState.model_validate(document), changed=names
            ),
        )
