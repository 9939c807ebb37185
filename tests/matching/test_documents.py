"""The documents the API answers with are exactly what its response models declare (the OpenAPI
contract): same fields, same JSON, so sending documents without validating them changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel

from matching import documents
from matching.fairness import AuditSubject, audit
from matching.ranking import ExplainedPair
from matching.schemas import (
    AuditConfigOut,
    AuditOut,
    ExclusionOut,
    MatchOut,
    PreferencesOut,
    ProposalOut,
    RatedMatchOut,
    RoundOut,
    SuggestionList,
)
from shared.responses import json_ready

NOW = dt.datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=dt.UTC)


def same_json(model: type[BaseModel], row: Any, document: dict[str, Any]) -> None:
    """The document is the JSON of the row validated by the model, field for field."""
    expected = model.model_validate(row).model_dump(mode="json")
    assert json_ready(document) == expected
    assert list(document) == list(model.model_fields)


def test_match_documents_are_match_out() -> None:
    match = SimpleNamespace(
        id=uuid.uuid4(),
        version=3,
        program_id=uuid.uuid4(),
        mentee_id=uuid.uuid4(),
        mentor_id=uuid.uuid4(),
        status="ended",
        source="round",
        score=0.8125,
        score_breakdown={"skills": 1.0, "goals": 0.25},
        reasons=["mentor is level 5 in pytorch, mentee aims for 3"],
        round_id=uuid.uuid4(),
        message=None,
        mentee_accepted_at=NOW,
        mentor_accepted_at=NOW + dt.timedelta(hours=1),
        accepted_at=NOW + dt.timedelta(hours=1),
        expires_at=None,
        end_reason="participant",
        ended_at=NOW + dt.timedelta(days=9),
        created_at=NOW,
        updated_at=NOW + dt.timedelta(days=9),
        format="reverse",
        flash_session_id=None,
    )
    same_json(MatchOut, match, documents.match_document(match))
    grown = SimpleNamespace(**{**vars(match), "format": "one_to_one", "source": "flash"})
    grown.flash_session_id = uuid.uuid4()
    same_json(MatchOut, grown, documents.match_document(grown))


def test_round_proposal_and_exclusion_documents_are_their_models() -> None:
    round_ = SimpleNamespace(
        id=uuid.uuid4(),
        version=2,
        program_id=uuid.uuid4(),
        status="published",
        options={"candidates_per_mentee": 24},
        stats={"assigned": 2, "seconds": {"load": 0.01}},
        created_by="admin",
        created_at=NOW,
        updated_at=NOW,
        published_at=NOW,
    )
    waitlisted = SimpleNamespace(
        mentee_id=uuid.uuid4(),
        mentor_id=None,
        source="manual",
        score=0.0,
        score_breakdown={},
        reasons=[],
        warnings=["waitlisted by an admin"],
        match_id=None,
    )
    exclusion = SimpleNamespace(
        id=uuid.uuid4(),
        program_id=uuid.uuid4(),
        mentee_id=uuid.uuid4(),
        mentor_id=uuid.uuid4(),
        reason=None,
        created_by="admin",
        created_at=NOW,
    )
    same_json(RoundOut, round_, documents.round_document(round_))
    same_json(ProposalOut, waitlisted, documents.proposal_document(waitlisted))
    same_json(ExclusionOut, exclusion, documents.exclusion_document(exclusion))


def test_preferences_rating_and_audit_config_documents_are_their_models() -> None:
    program_id, person_id, mentor = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    row = SimpleNamespace(
        version=2, preferred_mentor_ids=[str(mentor)], avoided_mentor_ids=[], updated_at=NOW
    )
    for stored in (row, None):
        document = documents.preferences_document(program_id, person_id, stored)
        same_json(PreferencesOut, document, document)
    rating = SimpleNamespace(
        submission_id=uuid.uuid4(),
        match_id=uuid.uuid4(),
        kind="session",
        respondent_role="mentee",
        rating=4,
        mentor_rating=None,
        goal_progress=3,
        nps=None,
        match_score=None,
        score_breakdown=None,
        submitted_at=NOW,
    )
    same_json(RatedMatchOut, rating, documents.rating_document(rating))
    config = SimpleNamespace(
        attributes=["department"],
        self_identified=["gender"],
        min_group_size=5,
        version=1,
        updated_by="admin",
        updated_at=NOW,
    )
    for stored in (config, None):
        document = documents.audit_config_document(stored, default_min_group_size=5)
        same_json(AuditConfigOut, document, document)


def test_suggestion_and_audit_documents_are_their_models() -> None:
    mentor = SimpleNamespace(person_id=uuid.uuid4(), name="Ada")
    pair = ExplainedPair(mentee=0, mentor=0, score=0.75, breakdown={"skills": 1.0}, reasons=["fits"])
    suggestions = documents.suggestions_document(
        program_id=uuid.uuid4(),
        mentee_id=uuid.uuid4(),
        items=[(mentor, pair)],
    )
    same_json(SuggestionList, suggestions, suggestions)
    subjects = [
        AuditSubject(
            attributes={"department": "research"}, matched=n % 3 != 0, score=0.5, accepted=1, decided=2
        )
        for n in range(12)
    ]
    result = audit(subjects, ["department"], min_group_size=5)
    document = documents.audit_document(result, scope="round", scope_id=uuid.uuid4())
    same_json(AuditOut, document, document)
