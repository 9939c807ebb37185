"""Request and response bodies of the matching API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from matching.fairness import AuditAttribute
from shared.contracts.matching import MatchEndReason, MatchSource, MatchStatus


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- matches ------------------------------------------------------------------------------------


class MatchOut(_Output):
    id: uuid.UUID
    version: int
    program_id: uuid.UUID
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    status: MatchStatus
    source: MatchSource
    score: float = Field(description="Weighted total in [0, 1]")
    score_breakdown: dict[str, float] = Field(description="Component -> [0, 1]")
    reasons: list[str]
    round_id: uuid.UUID | None
    message: str | None = Field(description="The mentee's note to the mentor, on a request")
    mentee_accepted_at: dt.datetime | None
    mentor_accepted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    expires_at: dt.datetime | None
    end_reason: MatchEndReason | None
    ended_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class MatchPage(BaseModel):
    items: list[MatchOut]
    next_cursor: str | None = None


class MatchRequestCreate(_Input):
    mentor_id: uuid.UUID
    message: str | None = Field(default=None, max_length=1000)


class MatchEnd(_Input):
    reason: MatchEndReason | None = Field(
        default=None, description="Admins may give any reason; participants `participant` or `completed`"
    )


# -- suggestions --------------------------------------------------------------------------------


class Suggestion(BaseModel):
    mentor_id: uuid.UUID
    name: str
    score: float
    score_breakdown: dict[str, float]
    reasons: list[str]


class SuggestionList(BaseModel):
    program_id: uuid.UUID
    mentee_id: uuid.UUID
    items: list[Suggestion]


# -- rounds -------------------------------------------------------------------------------------


class RoundCreate(_Input):
    candidates_per_mentee: int | None = Field(default=None, ge=1, le=200)
    load_spread: float | None = Field(
        default=None, ge=0, le=0.5, description="Score given up per extra mentee on one mentor (spreads load)"
    )
    min_score: float | None = Field(default=None, ge=0, le=1)


class RoundOut(_Output):
    id: uuid.UUID
    version: int
    program_id: uuid.UUID
    status: str = Field(description="draft, published or discarded")
    options: dict[str, Any]
    stats: dict[str, Any]
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None


class RoundPage(BaseModel):
    items: list[RoundOut]
    next_cursor: str | None = None


class ProposalOut(_Output):
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID | None = Field(description="None: the mentee is waitlisted")
    source: MatchSource
    score: float
    score_breakdown: dict[str, float]
    reasons: list[str]
    warnings: list[str]
    match_id: uuid.UUID | None


class ProposalPage(BaseModel):
    items: list[ProposalOut]
    next_cursor: str | None = None


class ProposalSet(_Input):
    mentor_id: uuid.UUID


# -- exclusions and preferences -----------------------------------------------------------------


class ExclusionCreate(_Input):
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    reason: str | None = Field(default=None, max_length=500)


class ExclusionOut(_Output):
    id: uuid.UUID
    program_id: uuid.UUID
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    reason: str | None
    created_by: str
    created_at: dt.datetime


class ExclusionPage(BaseModel):
    items: list[ExclusionOut]
    next_cursor: str | None = None


class PreferencesIn(_Input):
    preferred_mentor_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    avoided_mentor_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)

    @field_validator("preferred_mentor_ids", "avoided_mentor_ids")
    @classmethod
    def _distinct(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        return list(dict.fromkeys(value))


class PreferencesOut(BaseModel):
    program_id: uuid.UUID
    person_id: uuid.UUID
    version: int
    preferred_mentor_ids: list[uuid.UUID]
    avoided_mentor_ids: list[uuid.UUID]
    updated_at: dt.datetime | None


# -- feedback (calibration data) ----------------------------------------------------------------


class RatedMatchOut(_Output):
    submission_id: uuid.UUID
    match_id: uuid.UUID
    kind: str = Field(description="session, checkin or closeout")
    respondent_role: str
    rating: int | None
    mentor_rating: int | None
    goal_progress: int | None
    nps: int | None
    match_score: float | None = Field(description="The match's score when the rating arrived")
    score_breakdown: dict[str, float] | None
    submitted_at: dt.datetime


class RatedMatchPage(BaseModel):
    items: list[RatedMatchOut]
    next_cursor: str | None = None


# -- fairness audit -----------------------------------------------------------------------------


class AuditConfigIn(_Input):
    attributes: list[AuditAttribute] = Field(
        description="Attributes that may be audited (self-reported ones would need consent: none offered)"
    )
    min_group_size: int = Field(ge=2, le=1000, description="Groups smaller than this are never shown")

    @field_validator("attributes")
    @classmethod
    def _distinct(cls, value: list[AuditAttribute]) -> list[AuditAttribute]:
        return list(dict.fromkeys(value))


class AuditConfigOut(BaseModel):
    attributes: list[AuditAttribute]
    min_group_size: int
    version: int
    updated_by: str | None = None
    updated_at: dt.datetime | None = None


class GroupFiguresOut(BaseModel):
    group: str
    size: int
    matched: int
    match_rate: float
    mean_score: float | None
    acceptance_rate: float | None = Field(description="Accepted among answered offers; None if none answered")
    ratio_to_best: float | None = Field(description="Match rate over the best shown group's")
    flagged: bool = Field(description="ratio_to_best below 0.8 (four-fifths rule)")


class AttributeAuditOut(BaseModel):
    attribute: str
    groups: list[GroupFiguresOut]
    suppressed_groups: int = Field(description="Groups withheld: below the minimum size, or to protect one")
    flagged_groups: list[str]


class AuditOut(BaseModel):
    scope: str = Field(description="`round` (proposals of one round) or `program` (live matches)")
    scope_id: uuid.UUID
    subjects: int
    matched: int
    match_rate: float | None
    min_group_size: int
    attributes: list[AttributeAuditOut]
