"""Request and response models of the notifications API."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from notifications.delivery_rules import Digest
from notifications.kinds import KINDS
from shared.text import Line
from shared.time_of_day import minutes_of_day


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MediaChoice(_Strict):
    email: bool | None = None
    chat: bool | None = None
    inbox: bool | None = None


class KindChoice(_Strict):
    channels: MediaChoice = Field(default_factory=MediaChoice, description="Unset: the kind's default")
    digest: Digest = Field(default=Digest.OFF, description="Low-urgency kinds only: daily or weekly emails")


class QuietHours(_Strict):
    start: str = Field(description="HH:MM in the person's own time zone", examples=["22:00"])
    end: str = Field(description="HH:MM; before `start` when the window spans midnight", examples=["07:30"])

    @field_validator("start", "end")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        if minutes_of_day(value) >= 24 * 60:
            raise ValueError("use 00:00 rather than 24:00")
        return value


class PreferencesIn(_Strict):
    kinds: dict[str, KindChoice] = Field(default_factory=dict, description="Per kind (GET /v1/kinds)")
    quiet_hours: QuietHours | None = None
    muted: bool = Field(
        default=False, description="Everything off (session changes pass if the organization requires)"
    )

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: dict[str, KindChoice]) -> dict[str, KindChoice]:
        unknown = sorted(set(value) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kinds {unknown}; see GET /v1/kinds")
        return value


Url = Annotated[str, Line(2048)]


class SettingsIn(_Strict):
    admin_recipients: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=100,
        description="Person ids of program admins (relationship at risk)",
    )
    critical_when_muted: bool = Field(
        default=False, description="Session changes reach people who muted everything"
    )
    slack_webhook_url: Url | None = None
    slack_bot_token: Annotated[str, Line(300)] | None = Field(
        default=None, description="Write-only; `null` removes it, omit the field to keep it"
    )
    slack_channel: Annotated[str, Line(100)] | None = Field(default=None, description="Channel id for posts")
    teams_webhook_url: Url | None = None
    rate_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)


class TemplateIn(_Strict):
    subject: Annotated[str, Line(500)]
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    html: Annotated[str, Field(min_length=1, max_length=100_000)]


class NotificationChange(_Strict):
    read: bool | None = None
    archived: bool | None = None


class ReadAll(_Strict):
    up_to: int | None = Field(
        default=None, ge=0, description="Only entries up to this `seq` (the stream's id)"
    )
