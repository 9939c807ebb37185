"""Entities as documents: the full state (what events carry and privileged callers see) and the
public views, built straight from rows or ORM objects without re-validation (rows are valid)."""

from __future__ import annotations

from typing import Any

from profiles.access import Visibility
from profiles.schemas import PUBLIC_ENROLLMENT_FIELDS, PUBLIC_PERSON_FIELDS
from shared.contracts.profiles import EnrollmentState, PersonState, ProgramState, SkillState

Document = dict[str, Any]

PERSON_FIELDS: tuple[str, ...] = tuple(PersonState.model_fields)
PROGRAM_FIELDS: tuple[str, ...] = tuple(ProgramState.model_fields)
ENROLLMENT_FIELDS: tuple[str, ...] = tuple(EnrollmentState.model_fields)
SKILL_FIELDS: tuple[str, ...] = tuple(SkillState.model_fields)


def _document(source: Any, fields: tuple[str, ...]) -> Document:
    return {name: getattr(source, name) for name in fields}


def person_document(source: Any) -> Document:
    return _document(source, PERSON_FIELDS)


def program_document(source: Any) -> Document:
    return _document(source, PROGRAM_FIELDS)


def enrollment_document(source: Any) -> Document:
    return _document(source, ENROLLMENT_FIELDS)


def skill_document(source: Any) -> Document:
    return _document(source, SKILL_FIELDS)


def person_view(person: Document, visibility: Visibility) -> Document:
    """The person as the caller may see them (`view` says which)."""
    if visibility is Visibility.FULL:
        return {"view": "full", **person}
    return {"view": "public", **{name: person[name] for name in PUBLIC_PERSON_FIELDS}}


def enrollment_view(enrollment: Document, visibility: Visibility) -> Document:
    if visibility is Visibility.FULL:
        return {"view": "full", **enrollment}
    return {"view": "public", **{name: enrollment[name] for name in PUBLIC_ENROLLMENT_FIELDS}}
