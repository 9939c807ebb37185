"""Use cases of the organization's own skills (added to the default taxonomy)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from profiles.documents import Document, skill_document
from profiles.models import CustomSkill
from profiles.schemas import SkillCreate
from profiles.service.changes import record_creation
from profiles.taxonomy import DEFAULT_SKILL_SLUGS
from shared.auth import Principal
from shared.clock import utcnow
from shared.constraints import Conflict
from shared.contracts.profiles import SkillCreated, SkillState

_IN_DEFAULT_TAXONOMY = Conflict("body.slug", "this skill is already in the default taxonomy")


async def create_skill(session: AsyncSession, *, caller: Principal, fields: SkillCreate) -> Document:
    if fields.slug in DEFAULT_SKILL_SLUGS:
        raise _IN_DEFAULT_TAXONOMY.problem()
    skill = CustomSkill(
        organization=caller.organization,
        slug=fields.slug,
        label=fields.label,
        category=fields.category.value,
        created_at=utcnow(),
    )
    return await record_creation(
        session,
        skill,
        document_of=skill_document,
        event_of=lambda document: SkillCreated(skill=SkillState.model_validate(document)),
        subject=fields.slug,
    )
