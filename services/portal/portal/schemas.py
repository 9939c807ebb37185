"""The home view's response model (documentation and generated clients; the route does not re-validate).

Every part is either `{"status": "ok", ...}` with its content, or `{"status": "unavailable", "reason"}`
when its owning service is not deployed, does not serve it yet, or did not answer in time.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")

PartStatus = Literal["ok", "unavailable"]


class ListPart(BaseModel, Generic[T]):
    status: PartStatus
    items: list[T] = Field(default_factory=list, description="Empty when unavailable")
    reason: str | None = Field(default=None, description="Why the part is unavailable")


class DocumentPart(BaseModel):
    status: PartStatus
    data: dict[str, Any] | None = Field(default=None, description="The caller's profile (profiles' `Person`)")
    reason: str | None = None


class OtherPerson(BaseModel):
    """The other person of a match, as their public profile shows them."""

    id: str
    name: str
    title: str | None = None
    department: str | None = None
    seniority: str | None = None
    time_zone: str
    languages: list[str] = []
    bio: str | None = None


class MatchCard(BaseModel):
    id: str
    version: int | None = None
    program_id: str
    status: Literal["requested", "proposed", "accepted", "active"]
    source: str | None = None
    role: Literal["mentor", "mentee"] = Field(description="The caller's side of the match")
    awaiting_me: bool = Field(description="The match waits for the caller to accept or decline")
    score: float | None = None
    reasons: list[str] = []
    message: str | None = None
    expires_at: str | None = None
    other_person_id: str
    other_person: OtherPerson | None = Field(default=None, description="None when profiles did not answer")


class SessionCard(BaseModel):
    id: str
    version: int
    match_id: str
    program_id: str
    mentor_id: str
    mentee_id: str
    format: Literal["video", "in_person", "async"] | str
    status: str
    start: str = Field(description="UTC")
    end: str = Field(description="UTC")
    start_local: str = Field(description="In the caller's time zone, with its offset")
    end_local: str
    time_zone: str
    join_url: str | None = Field(default=None, description="The meeting link of a video session")
    location: str | None = None
    prompt: str | None = None
    role: Literal["mentor", "mentee"]
    with_person_id: str


class RequestCard(BaseModel):
    id: str
    kind: str
    program_id: str | None = None
    match_id: str | None = None
    session_id: str | None = None
    due_at: str | None = None
    due_local: str | None = Field(default=None, description="In the caller's time zone")
    overdue: bool
    questions: int = Field(description="How many questions it asks")


class UnreadMessages(BaseModel):
    match_id: str
    unread: int
    messages: int | None = None


class Me(BaseModel):
    """Everything a person's home screen shows, in one round trip."""

    person_id: str
    time_zone: str = Field(description="The caller's IANA time zone (UTC when the profile is unavailable)")
    generated_at: str
    profile: DocumentPart
    enrollments: ListPart[dict[str, Any]]
    matches: ListPart[MatchCard]
    next_sessions: ListPart[SessionCard]
    feedback_requests: ListPart[RequestCard]
    check_ins: ListPart[RequestCard]
    goals: ListPart[dict[str, Any]] = Field(
        description="Open goals of each pair (workspace's `Goal` + match_id)"
    )
    action_items: ListPart[dict[str, Any]] = Field(
        description="Overdue action items of each pair (workspace's `ActionItem` + match_id)"
    )
    unread_messages: ListPart[UnreadMessages]
    training: ListPart[dict[str, Any]] = Field(description="Training assignments and progress (training's)")
    notifications: ListPart[dict[str, Any]] = Field(description="Unread notifications, newest first")
