"""Which attributes an organization's group reports use, and their minimum group size: a use case
(admins change them, with If-Match) and the rules a report is computed under."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.config import FeedbackSettings
from feedback.models import OUTCOME_SETTINGS
from feedback.outcomes.attention import Thresholds
from feedback.outcomes.context import ReportRules
from shared.concurrency import check_if_match
from shared.errors import invalid_field
from shared.locks import advisory_lock


class GroupAttribute(StrEnum):
    """Attributes of people that group reports may group by (profiles' events carry them)."""

    DEPARTMENT = "department"
    SENIORITY = "seniority"
    TIME_ZONE_REGION = "time_zone_region"


@dataclass(frozen=True)
class GroupSettings:
    attributes: tuple[str, ...]
    min_group_size: int
    version: int  # 0: the service's defaults

    def document(self) -> dict[str, object]:
        return {
            "group_attributes": list(self.attributes),
            "min_group_size": self.min_group_size,
            "version": self.version,
        }


async def group_settings_for(
    session: AsyncSession, *, organization: str, settings: FeedbackSettings
) -> GroupSettings:
    """The organization's group settings, or the defaults (every attribute, the service's minimum)."""
    row = (
        await session.execute(select(OUTCOME_SETTINGS).where(OUTCOME_SETTINGS.c.organization == organization))
    ).first()
    if row is None:
        return GroupSettings(tuple(GroupAttribute), settings.outcomes_min_group_size, 0)
    return GroupSettings(
        tuple(row.group_attributes), max(row.min_group_size, settings.outcomes_min_group_size), row.version
    )


async def put_group_settings(
    session: AsyncSession,
    *,
    organization: str,
    attributes: list[GroupAttribute],
    min_group_size: int,
    if_match: str | None,
    now: datetime,
    settings: FeedbackSettings,
) -> GroupSettings:
    """Set the organization's group settings (If-Match once they exist); never below the service's
    minimum group size."""
    if min_group_size < settings.outcomes_min_group_size:
        raise invalid_field(
            "min_group_size", f"cannot be below {settings.outcomes_min_group_size}", kind="greater_than_equal"
        )
    # Two first PUTs at once must not both see "no settings yet".
    await advisory_lock(session, f"feedback.outcome_settings.{organization}")
    current = await session.scalar(
        select(OUTCOME_SETTINGS.c.version).where(OUTCOME_SETTINGS.c.organization == organization)
    )
    if current is not None:
        check_if_match(if_match, current)
    version = (current or 0) + 1
    chosen = [attribute.value for attribute in dict.fromkeys(attributes)]
    values = {
        "group_attributes": chosen,
        "min_group_size": min_group_size,
        "version": version,
        "updated_at": now,
    }
    statement = insert(OUTCOME_SETTINGS).values(organization=organization, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[OUTCOME_SETTINGS.c.organization], set_=values)
    )
    return GroupSettings(tuple(chosen), min_group_size, version)


def report_rules(group: GroupSettings, settings: FeedbackSettings) -> ReportRules:
    """The rules an organization's report is computed under."""
    return ReportRules(
        min_size=settings.outcomes_min_comparison_size,
        min_group_size=group.min_group_size,
        confidence=settings.outcomes_confidence,
        group_attributes=group.attributes,
        thresholds=Thresholds.from_settings(settings),
        trend_months=settings.outcomes_trend_months,
    )
