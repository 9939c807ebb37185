"""Response shaping shared by routes and use cases: rows of the training tables as JSON documents.

What a viewer may see is decided here, once: learners get a module's published version with its
questions stripped of their answers; authors get the latest version with the answer key; progress
says whether a reflection exists, never what it says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from training import knowledge_checks, media
from training.rendering import rendered

Document = dict[str, Any]


def _videos(urls: Sequence[str]) -> list[Document]:
    return [{"url": url, "embed_url": media.embed_url(url), "provider": media.provider(url)} for url in urls]


def module_for_learner(module: Any, version: Any) -> Document:
    """A module's published version as a learner takes it: no answer key."""
    check = None
    if version.questions:
        check = {"pass_mark": version.pass_mark, "questions": knowledge_checks.for_learner(version.questions)}
    return {
        "id": module.id,
        "version": version.number,
        "title": version.title,
        "audience": version.audience,
        "estimated_minutes": version.estimated_minutes,
        "body_markdown": version.body_markdown,
        "body_html": rendered(version.body_markdown),
        "links": version.links,
        "videos": _videos(version.videos),
        "reflection_prompt": version.reflection_prompt,
        "knowledge_check": check,
        "published_at": version.published_at,
    }


def module_authoring(module: Any, version: Any) -> Document:
    """A module as its authors edit it: the latest version, with the knowledge check's answers."""
    check = None
    if version.questions:
        check = {"pass_mark": version.pass_mark, "questions": version.questions}
    return {
        "id": module.id,
        "status": "published" if module.published_version is not None else "draft",
        "library_key": module.library_key,
        "latest_version": module.latest_version,
        "published_version": module.published_version,
        "has_unpublished_changes": module.published_version != module.latest_version,
        "revision": module.revision,
        "title": version.title,
        "audience": version.audience,
        "estimated_minutes": version.estimated_minutes,
        "body_markdown": version.body_markdown,
        "body_html": rendered(version.body_markdown),
        "links": version.links,
        "videos": _videos(version.videos),
        "reflection_prompt": version.reflection_prompt,
        "knowledge_check": check,
        "created_at": module.created_at,
        "updated_at": module.updated_at,
    }


def module_summary(row: Any) -> Document:
    """A module in a list (`row` joins the module and the version the viewer sees)."""
    return {
        "id": row.id,
        "status": "published" if row.published_version is not None else "draft",
        "library_key": row.library_key,
        "version": row.number,
        "title": row.title,
        "audience": row.audience,
        "estimated_minutes": row.estimated_minutes,
        "has_knowledge_check": bool(row.has_questions),
        "has_reflection_prompt": row.reflection_prompt is not None,
        "updated_at": row.updated_at,
    }


def attempt_document(
    row: Any, *, pass_mark: int, questions: Sequence[Mapping[str, Any]], completed: bool
) -> Document:
    """A graded attempt: per-question results, and the answer key once passed."""
    return {
        "id": row.id,
        "module_id": row.module_id,
        "module_version": row.module_version,
        "score": row.score,
        "passed": row.passed,
        "pass_mark": pass_mark,
        "results": row.results,
        "answer_key": knowledge_checks.answer_key(questions) if row.passed else None,
        "module_completed": completed,
        "submitted_at": row.submitted_at,
    }


def reflection_document(row: Any, prompt: str | None) -> Document:
    """A reflection, for its author alone."""
    return {
        "id": row.id,
        "module_id": row.module_id,
        "module_version": row.module_version,
        "prompt": prompt,
        "text": row.text,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def course_document(course: Any, modules: Sequence[Any]) -> Document:
    """A course with its modules in order (`modules`: position, module id, title, minutes)."""
    return {
        "id": course.id,
        "program_id": course.program_id,
        "role": course.role,
        "title": course.title,
        "due_days": course.due_days,
        "modules": [
            {
                "position": row.position,
                "module_id": row.module_id,
                "title": row.title,
                "estimated_minutes": row.estimated_minutes,
            }
            for row in modules
        ],
        "estimated_minutes": sum(row.estimated_minutes for row in modules),
        "revision": course.revision,
        "created_at": course.created_at,
        "updated_at": course.updated_at,
    }


def gates_document(program_id: Any, row: Any | None) -> Document:
    """A program's readiness gates (version 0: none set)."""
    return {
        "program_id": program_id,
        "mentors_must_complete": bool(row and row.mentors_must_complete),
        "mentees_must_complete": bool(row and row.mentees_must_complete),
        "version": row.version if row is not None else 0,
    }


def assignment_document(row: Any, modules: Sequence[Any], *, required: bool, now: datetime) -> Document:
    """An assignment on a progress page, with each module's standing (`modules`: rows of the
    progress page's statement, `queries.PERSON_PROGRESS`)."""
    return {
        "id": row.id,
        "program_id": row.program_id,
        "program_name": row.program_name,
        "role": row.role,
        "course_id": row.course_id,
        "course_title": row.course_title,
        "status": row.status,
        "modules_done": row.modules_done,
        "modules_total": row.modules_total,
        "required_for_matching": required,
        "assigned_at": row.assigned_at,
        "due_at": row.due_at,
        "overdue": row.status == "assigned" and row.due_at <= now,
        "completed_at": row.completed_at,
        "closed_reason": row.closed_reason,
        "modules": [
            {
                "position": module.position,
                "module_id": module.module_id,
                "title": module.module_title,
                "estimated_minutes": module.estimated_minutes,
                "completed_at": module.module_completed_at,
                "completed_version": module.completed_version,
                "attempts": module.attempts or 0,
                "best_score": module.best_score,
                "passed": module.passed_at is not None,
                "reflection_written": bool(module.reflected),
            }
            for module in modules
        ],
    }


def rate(part: int, whole: int) -> float:
    """`part` of `whole` as a fraction (0 when there is nothing to count)."""
    return round(part / whole, 4) if whole else 0.0
