"""Entities as documents: the full state (what events carry and privileged callers see), the
public views, and an import's summary, built straight from rows or ORM objects without
re-validation (rows are valid)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from profiles.access import Visibility
from profiles.intake import Question
from profiles.schemas import PUBLIC_ENROLLMENT_FIELDS, PUBLIC_PERSON_FIELDS, ImportJob
from shared.contracts.profiles import (
    EnrollmentState,
    PersonalityState,
    PersonState,
    ProgramState,
    SkillState,
)

Document = dict[str, Any]

PERSON_FIELDS: tuple[str, ...] = tuple(PersonState.model_fields)
PROGRAM_FIELDS: tuple[str, ...] = tuple(ProgramState.model_fields)
ENROLLMENT_FIELDS: tuple[str, ...] = tuple(EnrollmentState.model_fields)
SKILL_FIELDS: tuple[str, ...] = tuple(SkillState.model_fields)
IMPORT_FIELDS: tuple[str, ...] = tuple(name for name in ImportJob.model_fields if name != "errors_truncated")


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


def import_document(source: Any) -> Document:
    """An import's progress and result, its row errors in file order (rows are worked on managers
    first)."""
    document = _document(source, IMPORT_FIELDS)
    document["errors"] = sorted(source.errors, key=lambda error: error["row"])
    document["errors_truncated"] = source.failed > len(source.errors)
    return document


# -- intake, personality, self-identification ----------------------------------------------------


def question_document(question: Question) -> Document:
    """An intake question (`IntakeQuestionOut`)."""
    return {
        "id": question.id,
        "prompt": question.prompt,
        "kind": question.kind.value,
        "roles": sorted(role.value for role in question.roles),
        "required": question.required,
        "options": [{"id": option, "label": label} for option, label in question.options],
        "scale_min": question.scale_min,
        "scale_max": question.scale_max,
        "criterion": question.criterion.value if question.criterion else None,
    }


def questionnaire_document(program_id: Any, version: int, questions: Sequence[Question]) -> Document:
    return {
        "program_id": program_id,
        "version": version,
        "questions": [question_document(question) for question in questions],
    }


def intake_answers_document(questions: Sequence[Question], answers: Mapping[str, Any]) -> list[Document]:
    """Answers in questionnaire order, with their prompts (an answer to a removed question: none)."""
    prompts = {str(question.id): question.prompt for question in questions}
    order = {key: position for position, key in enumerate(prompts)}
    return [
        {"question_id": key, "prompt": prompts.get(key), "answer": answers[key]}
        for key in sorted(answers, key=lambda key: (order.get(key, len(order)), key))
    ]


PERSONALITY_STATE_FIELDS: tuple[str, ...] = tuple(PersonalityState.model_fields)


def personality_state_document(source: Any) -> Document:
    """What PersonalityUpdated carries (the latest result, or none)."""
    return _document(source, PERSONALITY_STATE_FIELDS)


def _taken(source: Any | None) -> bool:
    return source is not None and (source.traits is not None or source.working_style is not None)


def own_personality(person_id: Any, source: Any | None) -> Document:
    """A person's own result (`OwnPersonality`)."""
    return {
        "view": "own",
        "person_id": person_id,
        "taken": _taken(source),
        "traits": source.traits if source is not None else None,
        "working_style": source.working_style if source is not None else None,
        "taken_at": source.taken_at if source is not None else None,
    }


def personality_taken(person_id: Any, source: Any | None) -> Document:
    """What an admin sees (`PersonalityTaken`): whether it was taken, nothing more."""
    return {"view": "admin", "person_id": person_id, "taken": _taken(source)}


def personality_result_document(source: Any) -> Document:
    """One take (`PersonalityResultOut`)."""
    return {
        "id": source.id,
        "items": source.item_answers,
        "traits": source.traits,
        "working_style": source.working_style,
        "taken_at": source.taken_at,
    }


def self_id_attribute_document(source: Any) -> Document:
    """An attribute people may self-identify on (`SelfIdAttributeOut`): its values, never anyone's."""
    return {
        "slug": source.slug,
        "label": source.label,
        "description": source.description,
        "values": list(source.values),
        "purposes": list(source.purposes),
        "enabled": source.enabled,
        "version": source.version,
        "updated_at": source.updated_at,
    }


def consent_document(source: Any) -> Document:
    return {
        "attribute": source.attribute,
        "purpose": source.purpose,
        "action": source.action,
        "recorded_by": source.recorded_by,
        "recorded_at": source.recorded_at,
    }


def own_self_identification_document(
    entries: Iterable[tuple[Any, Any, str]], consents: Iterable[Any]
) -> Document:
    """A person's own self-identification (`OwnSelfIdentifications`): (value row, attribute, opened
    value) entries and the consent record, oldest first. Only ever shaped for the person themself."""
    items = []
    for row, attribute, value in entries:
        labels = {item["id"]: item["label"] for item in attribute.values}
        items.append(
            {
                "attribute": row.attribute,
                "label": attribute.label,
                "value": value,
                "value_label": labels.get(value, value),
                "purposes": list(row.purposes),
                "updated_at": row.updated_at,
            }
        )
    return {"items": items, "consents": [consent_document(consent) for consent in consents]}
