"""Use cases of a learner: take a module's knowledge check, complete a module, write a reflection.

A person's work on a module is serialized (an advisory lock per person), and completing a module
recounts the assignments whose course has it in the same transaction, publishing the progress.
Reflections never leave this module except to their author: admins learn that one exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.errors import Problem, not_found
from shared.locks import advisory_lock
from training import knowledge_checks
from training.documents import Document, attempt_document, reflection_document
from training.models import ATTEMPTS, MODULES, PROGRESS, REFLECTIONS, VERSIONS
from training.service.assignments import progress_after_completion, rescore


def learner_id(caller: Principal) -> uuid.UUID:
    """The caller as a learner: a person (an integration's token takes no training)."""
    person_id = caller.person_id
    if person_id is None:
        raise Problem(403, "training is taken by people: the token's subject is not a person")
    return person_id


async def published_version(session: AsyncSession, *, organization: str, module_id: uuid.UUID) -> Any:
    """The published version of a module of the organization (404 for a draft, for another
    organization's module and for one that does not exist alike)."""
    row = (
        await session.execute(
            select(VERSIONS)
            .join(MODULES, MODULES.c.id == VERSIONS.c.module_id)
            .where(
                MODULES.c.id == module_id,
                MODULES.c.organization == organization,
                VERSIONS.c.number == MODULES.c.published_version,
            )
        )
    ).first()
    if row is None:
        raise not_found("module")
    return row


async def _progress_row(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, module_id: uuid.UUID
) -> Any:
    """The person's progress in the module, created empty if needed, locked."""
    await session.execute(
        insert(PROGRESS)
        .values(
            person_id=person_id,
            module_id=module_id,
            organization=organization,
            attempts=0,
            best_score=None,
            passed_at=None,
            completed_at=None,
            completed_version=None,
            reflected=False,
        )
        .on_conflict_do_nothing()
    )
    return (
        await session.execute(
            select(PROGRESS)
            .where(PROGRESS.c.person_id == person_id, PROGRESS.c.module_id == module_id)
            .with_for_update()
        )
    ).one()


async def complete_module(
    session: AsyncSession, *, caller: Principal, module_id: uuid.UUID, now: datetime
) -> tuple[Document, bool]:
    """Mark the module completed on its published version; a module with a knowledge check needs a
    passed attempt first. Returns the completion and whether it is new (completing twice is
    harmless: the first completion stands)."""
    person_id = learner_id(caller)
    version = await published_version(session, organization=caller.organization, module_id=module_id)
    await advisory_lock(session, f"training.person.{person_id}")
    progress = await _progress_row(
        session, organization=caller.organization, person_id=person_id, module_id=module_id
    )
    if progress.completed_at is not None:
        return _completion(module_id, progress.completed_at, progress.completed_version), False
    if version.questions and progress.passed_at is None:
        raise Problem(
            409,
            "pass the module's knowledge check first (POST /v1/modules/{id}/attempts)",
            slug="knowledge-check-required",
        )
    await _complete(session, person_id=person_id, version=version, best_score=progress.best_score, now=now)
    return _completion(module_id, now, version.number), True


async def _complete(
    session: AsyncSession, *, person_id: uuid.UUID, version: Any, best_score: float | None, now: datetime
) -> None:
    await session.execute(
        update(PROGRESS)
        .where(PROGRESS.c.person_id == person_id, PROGRESS.c.module_id == version.module_id)
        .values(completed_at=now, completed_version=version.number)
    )
    await progress_after_completion(
        session,
        person_id=person_id,
        module_id=version.module_id,
        module_version=version.number,
        score=best_score,
        now=now,
    )


def _completion(module_id: uuid.UUID, completed_at: datetime, version: int) -> Document:
    return {"module_id": module_id, "completed_at": completed_at, "completed_version": version}


async def submit_attempt(
    session: AsyncSession,
    *,
    caller: Principal,
    module_id: uuid.UUID,
    answers: Mapping[str, str | list[str]],
    now: datetime,
) -> Document:
    """Grade answers against the published version's knowledge check and store the attempt; a
    passing attempt completes the module. An answer to a question the check does not have is a 422
    naming it, and nothing is stored."""
    person_id = learner_id(caller)
    version = await published_version(session, organization=caller.organization, module_id=module_id)
    if not version.questions:
        raise Problem(409, "this module has no knowledge check", slug="no-knowledge-check")
    problems = knowledge_checks.answer_problems(version.questions, answers)
    if problems:
        raise Problem(
            422,
            "the answers do not fit the knowledge check",
            slug="validation-error",
            errors=[
                {"field": f"body.answers.{question_id}", "message": message, "type": "invalid_answer"}
                for question_id, message in problems
            ],
        )
    grade = knowledge_checks.grade(version.questions, answers, pass_mark=version.pass_mark or 0)
    await advisory_lock(session, f"training.person.{person_id}")
    progress = await _progress_row(
        session, organization=caller.organization, person_id=person_id, module_id=module_id
    )
    attempt_id = uuid.uuid4()
    attempt = (
        await session.execute(
            ATTEMPTS.insert()
            .values(
                id=attempt_id,
                organization=caller.organization,
                person_id=person_id,
                module_id=module_id,
                module_version=version.number,
                answers=dict(answers),
                results=grade.results,
                score=grade.score,
                passed=grade.passed,
                submitted_at=now,
            )
            .returning(ATTEMPTS)
        )
    ).one()
    best = grade.score if progress.best_score is None else max(progress.best_score, grade.score)
    await session.execute(
        update(PROGRESS)
        .where(PROGRESS.c.person_id == person_id, PROGRESS.c.module_id == module_id)
        .values(
            attempts=PROGRESS.c.attempts + 1,
            best_score=best,
            passed_at=func.coalesce(PROGRESS.c.passed_at, now if grade.passed else None),
        )
    )
    await rescore(session, person_id=person_id, module_id=module_id)
    completed = progress.completed_at is not None
    if grade.passed and not completed:
        await _complete(session, person_id=person_id, version=version, best_score=best, now=now)
        completed = True
    return attempt_document(
        attempt, pass_mark=version.pass_mark or 0, questions=version.questions, completed=completed
    )


async def write_reflection(
    session: AsyncSession,
    *,
    caller: Principal,
    module_id: uuid.UUID,
    text: str,
    if_match: str | None,
    now: datetime,
) -> tuple[Document, bool]:
    """Write (or, with If-Match, rewrite) your reflection on a module's prompt. Returns it and
    whether it was created."""
    person_id = learner_id(caller)
    version = await published_version(session, organization=caller.organization, module_id=module_id)
    if version.reflection_prompt is None:
        raise Problem(409, "this module asks for no reflection", slug="no-reflection-prompt")
    await advisory_lock(session, f"training.person.{person_id}")
    await _progress_row(session, organization=caller.organization, person_id=person_id, module_id=module_id)
    existing = (
        await session.execute(
            select(REFLECTIONS)
            .where(REFLECTIONS.c.person_id == person_id, REFLECTIONS.c.module_id == module_id)
            .with_for_update()
        )
    ).first()
    if existing is None:
        if if_match is not None and if_match.strip() != "*":
            raise Problem(412, "there is no reflection to update yet; send it without If-Match")
        row = (
            await session.execute(
                REFLECTIONS.insert()
                .values(
                    id=uuid.uuid4(),
                    organization=caller.organization,
                    person_id=person_id,
                    module_id=module_id,
                    module_version=version.number,
                    text=text,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                .returning(REFLECTIONS)
            )
        ).one()
        created = True
    else:
        check_if_match(if_match, existing.version)
        row = (
            await session.execute(
                update(REFLECTIONS)
                .where(REFLECTIONS.c.id == existing.id)
                .values(
                    text=text, module_version=version.number, version=existing.version + 1, updated_at=now
                )
                .returning(REFLECTIONS)
            )
        ).one()
        created = False
    await session.execute(
        update(PROGRESS)
        .where(PROGRESS.c.person_id == person_id, PROGRESS.c.module_id == module_id)
        .values(reflected=True)
    )
    return reflection_document(row, version.reflection_prompt), created
