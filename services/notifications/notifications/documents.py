"""Response documents of the notifications API."""

from __future__ import annotations

from typing import Any

from notifications.kinds import KINDS, Kind, variables
from notifications.models import (
    Delivery,
    DeliveryLogEntry,
    Notification,
    OrganizationSettings,
    Preferences,
    TemplateOverride,
)


def notification_document(row: Notification) -> dict[str, Any]:
    return {
        "id": row.id,
        "seq": row.seq,
        "kind": row.kind,
        "title": row.title,
        "created_at": row.created_at,
        "read_at": row.read_at,
        "archived_at": row.archived_at,
        "links": _links(row),
        "version": row.version,
    }


def _links(row: Notification) -> dict[str, str]:
    context = row.context or {}
    return {
        name: str(context[name]) for name in ("match_id", "session_id", "request_id") if context.get(name)
    }


def kind_document(kind: Kind) -> dict[str, Any]:
    return {
        "name": kind.name,
        "title": kind.title,
        "urgency": kind.urgency.value,
        "default_channels": sorted(medium.value for medium in kind.default_media),
        "critical": kind.critical,
        "digestible": kind.urgency.value == "low",
        "variables": sorted(variables(kind.name)),
    }


def kinds_document() -> list[dict[str, Any]]:
    return [kind_document(kind) for kind in KINDS.values()]


def preferences_document(row: Preferences | None) -> dict[str, Any]:
    if row is None:
        return {"kinds": {}, "quiet_hours": None, "muted": False, "version": 0}
    quiet = {"start": row.quiet_start, "end": row.quiet_end} if row.quiet_start and row.quiet_end else None
    return {"kinds": row.kinds or {}, "quiet_hours": quiet, "muted": row.muted, "version": row.version}


def settings_document(organization: str, row: OrganizationSettings | None) -> dict[str, Any]:
    if row is None:
        return {
            "organization": organization,
            "admin_recipients": [],
            "critical_when_muted": False,
            "slack_webhook_url": None,
            "slack_bot_token_set": False,
            "slack_channel": None,
            "teams_webhook_url": None,
            "rate_per_minute": None,
            "version": 0,
        }
    return {
        "organization": organization,
        "admin_recipients": row.admin_recipients,
        "critical_when_muted": row.critical_when_muted,
        "slack_webhook_url": row.slack_webhook_url,
        "slack_bot_token_set": row.slack_bot_token is not None,
        "slack_channel": row.slack_channel,
        "teams_webhook_url": row.teams_webhook_url,
        "rate_per_minute": row.rate_per_minute,
        "version": row.version,
    }


def template_document(row: TemplateOverride) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "language": row.language,
        "subject": row.subject,
        "text": row.text_body,
        "html": row.html_body,
        "version": row.version,
        "updated_at": row.updated_at,
    }


def delivery_document(row: Delivery, log: list[DeliveryLogEntry] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": row.id,
        "notification_id": row.notification_id,
        "person_id": row.person_id,
        "kind": row.kind,
        "channel": row.channel,
        "status": row.status,
        "attempts": row.attempts,
        "due_at": row.due_at,
        "sent_at": row.sent_at,
        "message_id": row.message_id,
        "last_response": row.last_response,
        "digest_items": len(row.items) if row.items else None,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    if log is not None:
        document["log"] = [{"status": entry.status, "detail": entry.detail, "at": entry.at} for entry in log]
    return document
