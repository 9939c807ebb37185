"""An organization's notification settings: admin recipients, chat integrations, limits.

Chat URLs pass the platform's outbound rules when saved (and again at every send); a Slack bot
token is stored sealed (shared.secret_box) and never shown again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.models import OrganizationSettings
from notifications.schemas import SettingsIn
from shared.concurrency import check_if_match
from shared.errors import invalid_field
from shared.outbound import DestinationPolicy, DestinationRefused, check_url, resolve_and_check
from shared.secret_box import SecretBox


async def check_destination(field: str, url: str | None, policy: DestinationPolicy) -> None:
    if url is None:
        return
    try:
        destination = check_url(url, policy)
        await resolve_and_check(destination.host, destination.port, policy)
    except DestinationRefused as exc:
        raise invalid_field(field, f"not an allowed destination: {exc}", slug="destination-refused") from exc


async def replace(
    session: AsyncSession,
    *,
    organization: str,
    changes: SettingsIn,
    token_given: bool,
    if_match: str | None,
    policy: DestinationPolicy,
    box: SecretBox,
    now: datetime,
) -> OrganizationSettings:
    row = await session.get(OrganizationSettings, organization, with_for_update=True)
    check_if_match(if_match, row.version if row is not None else 0)
    await check_destination("slack_webhook_url", changes.slack_webhook_url, policy)
    await check_destination("teams_webhook_url", changes.teams_webhook_url, policy)
    if row is None:
        row = OrganizationSettings(organization=organization, version=0, slack_bot_token=None)
        session.add(row)
    row.admin_recipients = [str(person_id) for person_id in dict.fromkeys(changes.admin_recipients)]
    row.critical_when_muted = changes.critical_when_muted
    row.slack_webhook_url = changes.slack_webhook_url
    if token_given:
        row.slack_bot_token = box.seal(changes.slack_bot_token) if changes.slack_bot_token else None
    row.slack_channel = changes.slack_channel
    row.teams_webhook_url = changes.teams_webhook_url
    row.rate_per_minute = changes.rate_per_minute
    row.version += 1
    row.updated_at = now
    await session.flush()
    return row
