"""What the privacy service holds on a person (shared/personal_data.py): the exports and erasures
asked for them, and their entries in the audit trail (what was done to their data, and by them)."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.documents import audit_document
from privacy.models import AuditEntry, Erasure, Export, messaging
from shared.personal_data import ExtraFile, PersonalData, Records
from shared.runtime import Runtime

# The most trail entries an export carries (the newest); the trail itself stays with the admins.
TRAIL_IN_EXPORT = 10_000


async def trail_about(
    session: AsyncSession, _runtime: Runtime, organization: str, person_id: uuid.UUID
) -> dict[str, ExtraFile]:
    entries = (
        await session.execute(
            select(AuditEntry)
            .where(
                AuditEntry.organization == organization,
                or_(AuditEntry.resource_id == str(person_id), AuditEntry.actor_id == str(person_id)),
            )
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(TRAIL_IN_EXPORT)
        )
    ).scalars()
    content = [audit_document(entry) for entry in entries]
    return {
        "audit_trail.json": ExtraFile(
            about="Audit trail entries about you or made by you: who did what to which record, when "
            "(field names and non-personal values only)",
            content=content,
            records=len(content),
        )
    }


PERSONAL_DATA = PersonalData(
    service="privacy",
    about="Exports and erasures of your data, and the audit trail of what was done with it.",
    messaging=messaging,
    records=(
        Records(
            table=Export.__table__,
            about="Exports of your data: who asked, when, until when the archive was kept",
            person=("person_id",),
            secret=("archive",),
            erase="anonymize",
            replace={"archive": None, "status": "erased"},
        ),
        Records(
            table=Erasure.__table__,
            about="Requests to erase your data, and their progress",
            person=("person_id",),
        ),
    ),
    collect_more=trail_about,
)
