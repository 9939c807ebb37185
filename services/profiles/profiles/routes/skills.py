"""Skills: the default AI taxonomy plus the organization's own."""

from __future__ import annotations

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import queries, service
from profiles.dependencies import Creation
from profiles.schemas import SkillCreate, SkillList, SkillOut
from profiles.taxonomy import DEFAULT_SKILLS
from shared.dependencies import Admin, Caller, Reader
from shared.responses import Created, document_response
from shared.routing import Routes

router = Routes("skills", "The default AI skill taxonomy and the organization's own")


def _custom(skill: dict[str, object]) -> dict[str, object]:
    return {"slug": skill["slug"], "label": skill["label"], "category": skill["category"], "custom": True}


@router.reads("/skills", SkillList)
async def list_skills(caller: Caller, db: Reader) -> Response:
    """Skills people can list on their profiles"""
    defaults = [
        {"slug": skill.slug, "label": skill.label, "category": skill.category.value, "custom": False}
        for skill in DEFAULT_SKILLS
    ]
    custom = [_custom(skill) for skill in await queries.custom_skills(db, organization=caller.organization)]
    return document_response({"items": [*defaults, *custom]})


@router.creates("/skills", SkillOut, 403, 409)
async def create_skill(fields: SkillCreate, caller: Admin, creation: Creation) -> Response:
    """Add a skill to the organization's taxonomy (admin)"""

    async def create(session: AsyncSession) -> Created:
        skill = await service.create_skill(session, caller=caller, fields=fields)
        return _custom(skill), {}

    return await creation.run(caller=caller, create=create)
