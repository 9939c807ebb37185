"""Request and response bodies of the matching API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from matching.fairness import AuditAttribute
from shared.contracts.matching import (
    CircleMemberStatus,
    CircleRole,
    CircleStatus,
    MatchEndReason,
    MatchSource,
    MatchStatus,
)
from shared.contracts.profiles import ProgramFormat
from shared.text import SafeMultilineText


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
    format: ProgramFormat = Field(
        description="Its program's format: peer (both teach), reverse (the mentor is the junior one), ..."
    )
    flash_session_id: uuid.UUID | None = Field(description="The flash session it grew out of (source flash)")


class MatchPage(BaseModel):
    items: list[MatchOut]
    next_cursor: str | None = None


class MatchRequestCreate(_Input):
    mentor_id: uuid.UUID
    message: SafeMultilineText | None = Field(default=None, max_length=1000)


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


class NotReadyOut(BaseModel):
    person_id: uuid.UUID
    role: str = Field(description="mentor or mentee")
    reason: str = Field(description='e.g. "not matched: mentor course 2 of 4 modules done"')


class SuggestionList(BaseModel):
    program_id: uuid.UUID
    mentee_id: uuid.UUID
    items: list[Suggestion]
    not_ready: list[NotReadyOut] = Field(
        default_factory=list,
        description="Held back by the program's readiness gates (training): the mentee themself (then "
        "there are no items) and, for an admin, the mentors left out",
    )


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
    reason: SafeMultilineText | None = Field(default=None, max_length=500)


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

# Smaller groups would let an audit single people out; a deployment may only raise it.
AUDIT_MIN_GROUP_SIZE_FLOOR = 5


class AuditConfigIn(_Input):
    attributes: list[AuditAttribute] = Field(
        description="Profile attributes that may be audited (self-identified ones: `self_identified`)"
    )
    self_identified: list[str] = Field(
        default=[],
        max_length=20,
        description=(
            "Self-identified attributes (slugs of profiles' self-identification attributes), audited "
            "over the people who consented to fairness reports, by pseudonymous group"
        ),
    )
    min_group_size: int = Field(
        ge=AUDIT_MIN_GROUP_SIZE_FLOOR,
        le=1000,
        description=(
            "Groups smaller than this are never shown: at least 5, or the deployment's "
            "`AUDIT_MIN_GROUP_SIZE` where that is larger (422 below it)"
        ),
    )

    @field_validator("attributes")
    @classmethod
    def _distinct(cls, value: list[AuditAttribute]) -> list[AuditAttribute]:
        return list(dict.fromkeys(value))

    @field_validator("self_identified")
    @classmethod
    def _slugs(cls, value: list[str]) -> list[str]:
        for slug in value:
            if not (
                0 < len(slug) <= 64
                and slug.isascii()
                and slug[0].isalpha()
                and all(char.islower() or char.isdigit() or char == "_" for char in slug)
            ):
                raise ValueError(f"{slug!r} is not an attribute slug (lower case letters, digits, _)")
        return list(dict.fromkeys(value))


class AuditConfigOut(BaseModel):
    attributes: list[AuditAttribute]
    self_identified: list[str] = []
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
    self_identified: bool = Field(
        default=False,
        description=(
            "A self-identified attribute: only people who consented to fairness reports count, and each "
            "`group` is a pseudonymous key (labels: profiles GET /v1/self-identification/attributes/"
            "{attribute}/groups, admins only)"
        ),
    )
    subjects: int = Field(default=0, description="People counted for this attribute (0 when too few to show)")


class AuditOut(BaseModel):
    scope: str = Field(description="`round` (proposals of one round) or `program` (live matches)")
    scope_id: uuid.UUID
    subjects: int
    matched: int
    match_rate: float | None
    min_group_size: int
    attributes: list[AttributeAuditOut]


# -- circles ------------------------------------------------------------------------------------


class CircleMemberOut(BaseModel):
    person_id: uuid.UUID
    role: CircleRole = Field(description="`facilitator` (enrolled as mentor) or `member` (as mentee)")
    status: CircleMemberStatus
    score: float | None = Field(description="The member's fit with the circle in [0, 1]")
    reasons: list[str] = Field(description="Why this person is in this circle")
    left_at: dt.datetime | None
    left_reason: MatchEndReason | None


class CircleOut(BaseModel):
    id: uuid.UUID
    organization: str
    version: int
    program_id: uuid.UUID
    status: CircleStatus
    topic: str = Field(description="Skill slug the circle is about")
    language: str | None
    meeting_weekday: int | None = Field(description="A weekly time every member is free: weekday, UTC")
    meeting_start: str | None = Field(description="... and its start, HH:MM UTC")
    score: float = Field(description="Mean fit of its members")
    members: list[CircleMemberOut] = Field(description="Facilitators first, then members by fit")
    round_id: uuid.UUID | None
    end_reason: MatchEndReason | None
    ended_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class CirclePage(BaseModel):
    items: list[CircleOut]
    next_cursor: str | None = None


class UnplacedOut(BaseModel):
    person_id: uuid.UUID
    reason: str


class CircleRoundOut(BaseModel):
    id: uuid.UUID
    program_id: uuid.UUID
    options: dict[str, Any] = Field(description="Circle sizes, facilitators per circle and thresholds used")
    stats: dict[str, Any] = Field(
        description=(
            "solver, objective, bound, gap_pct (how far from optimal at most), placed, unplaced, "
            "circles, seconds per stage"
        )
    )
    unplaced: list[UnplacedOut] = Field(description="Mentees left without a place, and why")
    circles: int
    created_by: str
    created_at: dt.datetime


class CircleRoundPage(BaseModel):
    items: list[CircleRoundOut]
    next_cursor: str | None = None
