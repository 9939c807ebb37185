"""Rows as the JSON documents the matching API answers with.

Each document has exactly the fields of its response model in `schemas.py` (which the routes still
declare for OpenAPI): routes send documents as they are, without validating them again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from matching.fairness import Audit
from matching.pool import Participant
from matching.ranking import ExplainedPair
from matching.schemas import AuditConfigOut, ExclusionOut, MatchOut, ProposalOut, RatedMatchOut, RoundOut
from shared.contracts.matching import CircleState

Document = dict[str, Any]


def _fields(row: Any, model: type[BaseModel]) -> Document:
    """The attributes of `row` that `model` declares, in its order (the model is the contract)."""
    return {name: getattr(row, name) for name in model.model_fields}


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def match_document(match: Any) -> Document:
    """A match (`MatchOut`)."""
    return _fields(match, MatchOut)


def suggestion_document(mentor: Participant, pair: ExplainedPair) -> Document:
    """One suggested mentor (`Suggestion`)."""
    return {
        "mentor_id": mentor.person_id,
        "name": mentor.name,
        "score": pair.score,
        "score_breakdown": pair.breakdown,
        "reasons": pair.reasons,
    }


def suggestions_document(
    *,
    program_id: uuid.UUID,
    mentee_id: uuid.UUID,
    items: Iterable[tuple[Participant, ExplainedPair]],
    not_ready: Iterable[tuple[uuid.UUID, str, str]] = (),
) -> Document:
    """A mentee's suggestions, best first, and who readiness gates held back (`SuggestionList`)."""
    return {
        "program_id": program_id,
        "mentee_id": mentee_id,
        "items": [suggestion_document(mentor, pair) for mentor, pair in items],
        "not_ready": [
            {"person_id": person_id, "role": role, "reason": reason} for person_id, role, reason in not_ready
        ],
    }


def round_document(round_: Any) -> Document:
    """A round and its statistics (`RoundOut`)."""
    return _fields(round_, RoundOut)


def proposal_document(proposal: Any) -> Document:
    """One mentee of a round with the proposed mentor, or none (`ProposalOut`)."""
    return _fields(proposal, ProposalOut)


def exclusion_document(exclusion: Any) -> Document:
    """A pair excluded by an admin (`ExclusionOut`)."""
    return _fields(exclusion, ExclusionOut)


def preferences_document(program_id: uuid.UUID, person_id: uuid.UUID, row: Any | None) -> Document:
    """A mentee's preferences (`PreferencesOut`); version 0 and empty lists before any are set."""
    return {
        "program_id": program_id,
        "person_id": person_id,
        "version": row.version if row is not None else 0,
        "preferred_mentor_ids": list(row.preferred_mentor_ids) if row is not None else [],
        "avoided_mentor_ids": list(row.avoided_mentor_ids) if row is not None else [],
        "updated_at": row.updated_at if row is not None else None,
    }


def rating_document(row: Any) -> Document:
    """A rating with the match's score when it arrived (`RatedMatchOut`)."""
    return _fields(row, RatedMatchOut)


def audit_config_document(row: Any | None, *, default_min_group_size: int) -> Document:
    """The organization's audit configuration (`AuditConfigOut`); version 0 before it is set."""
    if row is None:
        unset = {"updated_by": None, "updated_at": None}
        return {
            "attributes": [],
            "self_identified": [],
            "min_group_size": default_min_group_size,
            "version": 0,
            **unset,
        }
    return _fields(row, AuditConfigOut)


def audit_document(result: Audit, *, scope: str, scope_id: uuid.UUID) -> Document:
    """Aggregate outcomes per group (`AuditOut`): never an individual's attribute."""
    return {
        "scope": scope,
        "scope_id": scope_id,
        "subjects": result.subjects,
        "matched": result.matched,
        "match_rate": _number(result.match_rate),
        "min_group_size": result.min_group_size,
        "attributes": [
            {
                "attribute": item.attribute,
                "groups": [
                    {
                        "group": group.group,
                        "size": group.size,
                        "matched": group.matched,
                        "match_rate": float(group.match_rate),
                        "mean_score": _number(group.mean_score),
                        "acceptance_rate": _number(group.acceptance_rate),
                        "ratio_to_best": _number(group.ratio_to_best),
                        "flagged": bool(group.flagged),
                    }
                    for group in item.groups
                ],
                "suppressed_groups": item.suppressed_groups,
                "flagged_groups": list(item.flagged_groups),
                "self_identified": item.self_identified,
                "subjects": item.subjects,
            }
            for item in result.attributes
        ],
    }


def circle_document(state: CircleState) -> Document:
    """A circle (`CircleOut`): its full state, as its events carry it."""
    return state.model_dump()


def circle_round_document(round_: Any, *, circles: int) -> Document:
    """A circle round (`CircleRoundOut`)."""
    return {
        "id": round_.id,
        "program_id": round_.program_id,
        "options": round_.options,
        "stats": round_.stats,
        "unplaced": round_.unplaced,
        "circles": circles,
        "created_by": round_.created_by,
        "created_at": round_.created_at,
    }
