"""What a claimed delivery sends: its person, notification, organization and wording, loaded for a
whole batch at once, then rendered in the reader's language and zone."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from notifications.channels.attempts import Attempt, Result
from notifications.channels.chat import ChatMessage, SlackTarget
from notifications.claims import ClaimedDelivery
from notifications.config import NotificationsSettings
from notifications.email_messages import Invitation, build_email, message_id, sender_domain
from notifications.kinds import KINDS
from notifications.models import Notification, OrganizationSettings, Person, Program, TemplateOverride
from notifications.rendering import Override, Rendered, choose_override, render
from notifications.unsubscribe_tokens import make_token
from shared.calendars import Attendee, CalendarEntry, render_invitation
from shared.contracts.notifications import Channel
from shared.contracts.scheduling import SessionState
from shared.secret_box import SecretBox


@dataclass(frozen=True)
class Email:
    recipient: str
    data: bytes
    message_id: str


@dataclass(frozen=True)
class Chat:
    channel: Channel
    message: ChatMessage
    slack: SlackTarget | None = None
    teams_url: str | None = None


Composed: TypeAlias = Email | Chat | Attempt


@dataclass
class Batch:
    people: dict[uuid.UUID, Any]
    notifications: dict[uuid.UUID, Any]
    organizations: dict[str, Any]
    overrides: dict[tuple[str, str], dict[str, Override]]


async def load(connection: AsyncConnection, claimed: Sequence[ClaimedDelivery]) -> Batch:
    notification_ids = {item.notification_id for item in claimed}
    for item in claimed:
        notification_ids.update(uuid.UUID(value) for value in item.items or [])
    person_ids = {item.person_id for item in claimed}
    notifications = {
        row.id: row
        for row in await connection.execute(
            select(Notification.__table__).where(Notification.id.in_(notification_ids))
        )
    }
    for row in notifications.values():
        calendar = (row.context or {}).get("calendar")
        if calendar:
            person_ids.update({uuid.UUID(calendar["mentor_id"]), uuid.UUID(calendar["mentee_id"])})
    people = {
        row.id: row
        for row in await connection.execute(select(Person.__table__).where(Person.id.in_(person_ids)))
    }
    organizations_wanted = {item.organization for item in claimed}
    organizations = {
        row.organization: row
        for row in await connection.execute(
            select(OrganizationSettings.__table__).where(
                OrganizationSettings.organization.in_(organizations_wanted)
            )
        )
    }
    overrides: dict[tuple[str, str], dict[str, Override]] = {}
    for row in await connection.execute(
        select(TemplateOverride.__table__).where(TemplateOverride.organization.in_(organizations_wanted))
    ):
        overrides.setdefault((row.organization, row.kind), {})[row.language] = Override(
            row.subject, row.text_body, row.html_body
        )
    return Batch(people=people, notifications=notifications, organizations=organizations, overrides=overrides)


async def program_names(connection: AsyncConnection, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await connection.execute(select(Program.id, Program.name).where(Program.id.in_(ids)))
    return {row.id: row.name for row in rows}


class Composer:
    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings
        self.secret = settings.unsubscribe_secret.get_secret_value().encode()
        self.box = SecretBox(settings.secret_encryption_keys)
        self.domain = sender_domain(settings.mail_from)

    def compose(self, item: ClaimedDelivery, batch: Batch, *, now: datetime) -> Composed:
        person = batch.people.get(item.person_id)
        notification = batch.notifications.get(item.notification_id)
        if person is None or not person.active:
            return Attempt(Result.CANCELED, "the person was deactivated")
        if notification is None:
            return Attempt(Result.FAILED, "the notification is gone")
        settings = self.settings
        token = make_token(self.secret, person_id=person.id, kind=item.kind)
        context: dict[str, Any] = {
            **(notification.context or {}),
            "recipient_name": person.name,
            "app_url": settings.app_url,
            "unsubscribe_url": f"{settings.public_base_url}/v1/unsubscribe/{token}",
            "preferences_url": f"{settings.app_url}/settings/notifications",
        }
        if item.items:
            items = [
                batch.notifications[uuid.UUID(value)]
                for value in item.items
                if uuid.UUID(value) in batch.notifications
            ]
            context["items"] = [{"subject": row.title, "when": row.created_at.isoformat()} for row in items]
        own = batch.overrides.get((item.organization, item.kind), {})
        override, language = choose_override(own, language=person.language, kind=item.kind)
        try:
            rendered = render(
                item.kind, context, language=language, time_zone=person.time_zone, override=override
            )
        except Exception:
            if override is None:
                raise
            # The organization's wording fails on these values: the built-in one rather than nothing.
            rendered = render(item.kind, context, language=person.language, time_zone=person.time_zone)
        if item.channel == Channel.EMAIL.value:
            return self._email(item, person, rendered, context, token, batch, now=now)
        message = ChatMessage(
            person_name=person.name,
            person_email=person.email,
            subject=rendered.subject,
            text=rendered.text,
            link=f"{settings.app_url}/notifications",
        )
        organization = batch.organizations.get(item.organization)
        if item.channel == Channel.SLACK.value:
            if organization is None or not (organization.slack_bot_token or organization.slack_webhook_url):
                return Attempt(Result.CANCELED, "the organization no longer has Slack connected")
            bot_token = self.box.open(organization.slack_bot_token) if organization.slack_bot_token else None
            target = SlackTarget(
                bot_token=bot_token,
                channel=organization.slack_channel,
                webhook_url=organization.slack_webhook_url,
            )
            return Chat(Channel.SLACK, message, slack=target)
        if organization is None or not organization.teams_webhook_url:
            return Attempt(Result.CANCELED, "the organization no longer has Teams connected")
        return Chat(Channel.TEAMS, message, teams_url=organization.teams_webhook_url)

    def _email(
        self,
        item: ClaimedDelivery,
        person: Any,
        rendered: Rendered,
        context: dict[str, Any],
        token: str,
        batch: Batch,
        *,
        now: datetime,
    ) -> Email:
        invitation = None
        method = KINDS[item.kind].calendar
        if method and context.get("calendar"):
            state = SessionState.model_validate(context["calendar"])
            mentor, mentee = batch.people.get(state.mentor_id), batch.people.get(state.mentee_id)
            entry = CalendarEntry(
                session=state,
                mentor=Attendee(mentor.name, mentor.email) if mentor is not None else None,
                mentee=Attendee(mentee.name, mentee.email) if mentee is not None else None,
                program_name=context.get("program_name") or None,
            )
            invitation = Invitation(
                render_invitation(entry, method=method, time_zone=person.time_zone), method
            )
        data = build_email(
            rendered,
            sender=self.settings.mail_from,
            to_name=person.name,
            to_address=person.email,
            key=item.key,
            sent_at=now,
            unsubscribe_url=context["unsubscribe_url"],
            unsubscribe_mailto=f"mailto:{self.settings.unsubscribe_mailbox}?subject=unsubscribe%20{token}",
            kind=item.kind,
            invitation=invitation,
        )
        return Email(
            recipient=person.email,
            data=data,
            message_id=message_id(item.key, domain=self.domain),
        )
