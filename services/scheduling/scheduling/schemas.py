"""Request and response bodies of the scheduling API (tables are in models.py, events in
shared/contracts/scheduling.py). Request bodies reject unknown fields, so a typo is a 422."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, model_validator

from scheduling.meeting_links import template_problems
from shared.contracts.profiles import SessionCadence
from shared.contracts.scheduling import CircleSessionState, FlashSessionState, SessionFormat, SessionState
from shared.text import Line, Paragraphs


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests ----------------------------------------------------------------------------------


def _absent(*names: str) -> dict[str, Any]:
    return {name: {"type": "null"} for name in names}


_TIME = {"type": "string", "format": "date-time"}


def _format_is(value: SessionFormat) -> dict[str, Any]:
    return {"properties": {"format": {"const": value.value}}, "required": ["format"]}


# What each format needs, as the model's validator checks it, so the document says it too (a
# request without `format` is a video session).
BOOKING_RULES: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {"format": {"const": SessionFormat.VIDEO.value}}},
            "then": {"required": ["start"], "properties": {"start": _TIME, **_absent("due", "location")}},
        },
        {
            "if": _format_is(SessionFormat.IN_PERSON),
            "then": {
                "required": ["start", "location"],
                "properties": {
                    "start": _TIME,
                    "location": {"type": "string"},
                    **_absent("due", "meeting_url"),
                },
            },
        },
        {
            "if": _format_is(SessionFormat.ASYNC),
            "then": {
                "required": ["due", "prompt"],
                "properties": {
                    "due": _TIME,
                    "prompt": {"type": "string"},
                    **_absent("start", "location", "meeting_url"),
                },
            },
        },
    ]
}


class SessionBooking(_Request):
    """Book a session of the match. Video and in-person sessions take a `start` that is one of the
    match's common slots (in person also a `location`); an async check-in takes a `due` time and a
    `prompt` instead. Only video sessions take a `meeting_url`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=BOOKING_RULES)

    format: SessionFormat = SessionFormat.VIDEO
    start: AwareDatetime | None = Field(
        default=None, description="A slot's start: required for video and in-person sessions"
    )
    due: AwareDatetime | None = Field(
        default=None, description="When the async check-in is due: required for async check-ins only"
    )
    location: Annotated[str, Line(500)] | None = Field(
        default=None, description="Where: required for in-person sessions only"
    )
    meeting_url: HttpUrl | None = Field(
        default=None, description="Video link; defaults to the organization's meeting link template"
    )
    prompt: Annotated[str, Paragraphs(4000)] | None = Field(
        default=None, description="What to reflect on: required for async check-ins"
    )

    @model_validator(mode="after")
    def _fits_format(self) -> Self:
        timed = self.format in (SessionFormat.VIDEO, SessionFormat.IN_PERSON)
        if timed and self.start is None:
            raise ValueError(f"a {self.format.value} session needs a start")
        if timed and self.due is not None:
            raise ValueError("only async check-ins have a due time")
        if self.format is SessionFormat.ASYNC and (self.due is None or self.prompt is None):
            raise ValueError("an async check-in needs a due time and a prompt")
        if self.format is SessionFormat.ASYNC and self.start is not None:
            raise ValueError("an async check-in opens when it is booked: give `due`, not `start`")
        if self.format is SessionFormat.IN_PERSON and self.location is None:
            raise ValueError("an in-person session needs a location")
        if self.format is not SessionFormat.IN_PERSON and self.location is not None:
            raise ValueError("only in-person sessions have a location")
        if self.format is not SessionFormat.VIDEO and self.meeting_url is not None:
            raise ValueError("only video sessions have a meeting link")
        return self


class SessionMove(_Request):
    """Move a session: a new `start` (video, in person) or a new `due` time (async check-in)."""

    start: AwareDatetime | None = None
    due: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_time(self) -> Self:
        if (self.start is None) == (self.due is None):
            raise ValueError("give either `start` (video, in person) or `due` (async check-in)")
        return self


class SessionCancellation(_Request):
    reason: Annotated[str, Paragraphs(500)]


class SessionCompletion(_Request):
    pass


class SessionNoShowReport(_Request):
    absent: list[uuid.UUID] = Field(min_length=1, max_length=2, description="Who did not show up")


class PolicyUpdate(_Request):
    """The organization's whole scheduling policy (PUT semantics)."""

    meeting_url_template: Annotated[str, Line(2000)] | None = Field(
        default=None,
        description=(
            "Meeting link of video sessions; placeholders {session_id}, {match_id}, {organization}"
            " ({mentorship_id}: deprecated alias of {match_id})"
        ),
        examples=["https://meet.example/{session_id}"],
    )
    buffer_minutes: int = Field(default=10, ge=0, le=240, description="Kept free between a person's sessions")
    minimum_notice_minutes: int = Field(default=720, ge=0, le=43200)
    horizon_days: int = Field(default=60, ge=1, le=365, description="How far ahead sessions can be booked")
    slot_grid_minutes: int = Field(default=15, ge=5, le=240, description="Slots start on this grid")
    reminder_minutes_before: list[Annotated[int, Field(ge=1, le=43200)]] = Field(
        default=[1440, 60], max_length=5
    )
    cadence_grace_days: int = Field(default=2, ge=0, le=60)

    @model_validator(mode="after")
    def _valid_template(self) -> Self:
        if self.meeting_url_template is not None:
            problems = template_problems(self.meeting_url_template)
            if problems:
                raise ValueError("; ".join(problems))
        if len(set(self.reminder_minutes_before)) != len(self.reminder_minutes_before):
            raise ValueError("reminder offsets must not repeat")
        return self


class FeedCreate(_Request):
    label: Annotated[str, Line(200)] | None = Field(default=None, examples=["Work calendar"])


# --- responses ---------------------------------------------------------------------------------


class LocalTime(BaseModel):
    """A slot or session in one participant's own time zone."""

    person_id: uuid.UUID
    role: Literal["mentor", "mentee", "facilitator"] = Field(
        description="`facilitator`: the program admin of a facilitated check-in"
    )
    time_zone: str = Field(examples=["Asia/Kolkata"])
    start: str = Field(description="ISO 8601 with the local offset", examples=["2026-03-09T19:30:00+05:30"])
    end: str


class SlotOut(BaseModel):
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    participants: list[LocalTime]


class SlotPage(BaseModel):
    items: list[SlotOut]
    next_cursor: str | None = None


class SessionOut(SessionState):
    mentorship_id: uuid.UUID = Field(deprecated=True, description="Deprecated: the same as `match_id`")
    participants: list[LocalTime]


class SessionPage(BaseModel):
    items: list[SessionOut]
    next_cursor: str | None = None


class ProposedNext(BaseModel):
    after_session_id: uuid.UUID
    due_at: datetime = Field(description="One cadence after the completed session")
    start: datetime | None = Field(description="First common slot from the due time; null if none")
    end: datetime | None
    participants: list[LocalTime]


class MatchOut(BaseModel):
    id: uuid.UUID = Field(description="The matching service's match id")
    organization: str
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    status: Literal["active", "ended"]
    end_reason: str | None
    started_at: datetime
    ended_at: datetime | None
    session_length_minutes: int | None
    cadence: SessionCadence | None
    last_session_at: datetime | None
    upcoming_session_at: datetime | None
    next_due_at: datetime | None
    cadence_status: Literal["on_track", "missed", "ended", "unknown"]
    proposed_next: ProposedNext | None


class MatchPage(BaseModel):
    items: list[MatchOut]
    next_cursor: str | None = None


class PolicyOut(BaseModel):
    meeting_url_template: str | None
    buffer_minutes: int
    minimum_notice_minutes: int
    horizon_days: int
    slot_grid_minutes: int
    reminder_minutes_before: list[int]
    cadence_grace_days: int
    version: int


class FeedOut(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class FeedCreated(FeedOut):
    url: str = Field(description="The subscription URL; shown only now, keep it secret")


# --- circles and flash mentoring --------------------------------------------------------------


class CircleSessionBooking(_Request):
    """Book a session of a circle for all its members, in one of their common slots. Video sessions
    take a `meeting_url` (default: the organization's template), in-person ones a `location`."""

    format: Literal[SessionFormat.VIDEO, SessionFormat.IN_PERSON] = SessionFormat.VIDEO
    start: AwareDatetime = Field(description="A common slot's start")
    location: Annotated[str, Line(500)] | None = Field(default=None, description="In person only")
    meeting_url: HttpUrl | None = Field(default=None, description="Video only")

    @model_validator(mode="after")
    def _fits_format(self) -> Self:
        if self.format is SessionFormat.IN_PERSON and self.location is None:
            raise ValueError("an in-person session needs a location")
        if self.format is not SessionFormat.IN_PERSON and self.location is not None:
            raise ValueError("only in-person sessions have a location")
        if self.format is not SessionFormat.VIDEO and self.meeting_url is not None:
            raise ValueError("only video sessions have a meeting link")
        return self


class GroupLocalTime(BaseModel):
    """A slot or session in one participant's own time zone."""

    person_id: uuid.UUID
    role: str = Field(description="facilitator or member (circles); mentor or mentee (flash)")
    time_zone: str
    start: str = Field(description="ISO 8601 with the local offset")
    end: str


class GroupSlotOut(BaseModel):
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    participants: list[GroupLocalTime]


class GroupSlotPage(BaseModel):
    items: list[GroupSlotOut]
    next_cursor: str | None = None


class CircleSessionOut(CircleSessionState):
    local_times: list[GroupLocalTime] = Field(description="Start and end in each participant's zone")


class CircleSessionPage(BaseModel):
    items: list[CircleSessionOut]
    next_cursor: str | None = None


Clock = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", examples=["14:00"])]


class OfficeHoursCreate(_Request):
    """Weekly office hours in the mentor's own time zone, cut into flash sessions of the program's
    length from `start`."""

    weekday: int = Field(ge=0, le=6, description="0 = Monday, in the mentor's zone")
    start: Clock
    end: Clock
    mentor_id: uuid.UUID | None = Field(default=None, description="Admins only; default: the caller")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start and self.end != "24:00":
            raise ValueError("office hours end after they start")
        return self


class OfficeHoursOut(BaseModel):
    id: uuid.UUID
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    weekday: int
    start: str
    end: str
    time_zone: str | None = Field(description="The mentor's zone, in which the hours recur")
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class FlashBooking(_Request):
    """Book one flash session: a slot of a mentor's office hours."""

    mentor_id: uuid.UUID
    start: AwareDatetime = Field(description="One of the mentor's flash slots")
    skill: Annotated[str, Line(64)] | None = Field(default=None, description="What you want help with")
    meeting_url: HttpUrl | None = Field(default=None, description="Default: the organization's template")
    mentee_id: uuid.UUID | None = Field(default=None, description="Admins only; default: the caller")


class FlashSessionOut(FlashSessionState):
    local_times: list[GroupLocalTime]


class FlashSessionPage(BaseModel):
    items: list[FlashSessionOut]
    next_cursor: str | None = None


class FlashMentorOut(BaseModel):
    mentor_id: uuid.UUID
    name: str
    time_zone: str
    level: int | None = Field(description="The mentor's level in the skill asked for")
    sessions_left_this_month: int = Field(description="Flash sessions the mentor still offers this month")
    next_slots: list[GroupSlotOut] = Field(description="The next free slots of their office hours")


class FlashMentorPage(BaseModel):
    items: list[FlashMentorOut]


class FlashFollowUp(_Request):
    """Agree to continue as a long-term match in a one-to-one (or reverse) program."""

    program_id: uuid.UUID
