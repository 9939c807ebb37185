"""Skills: the default AI taxonomy plus the organization's own."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import queries, service
from profiles.dependencies import Admin, Caller, Reader, Writer
from profiles.schemas import SkillCreate, SkillList, SkillOut
from profiles.taxonomy import DEFAULT_SKILLS
from shared.concurrency import IdempotencyKey
from shared.responses import Created, document_response, problems

router = APIRouter(prefix="/v1", tags=["skills"])


def _custom(skill: dict[str, object]) -> dict[str, object]:
    return {"slug": skill["slug"], "label": skill["label"], "category": skill["category"], "custom": True}


@router.get("/skills", response_model=SkillList, summary="Skills people can list on their profiles")
async def list_skills(caller: Caller, db: Reader) -> Response:
    defaults = [
        {"slug": skill.slug, "label": skill.label, "category": skill.category.value, "custom": False}
        for skill in DEFAULT_SKILLS
    ]
    custom = [_custom(skill) for skill in await queries.custom_skills(db, organization=caller.organization)]
    return document_response({"items": [*defaults, *custom]})


@router.post(
    "/skills",
    status_code=201,
    response_model=SkillOut,
    summary="Add a skill to the organization's taxonomy (admin)",
    responses=problems(403, 409),
)
async def create_skill(
    fields: SkillCreate,
    caller: Admin,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        skill = await service.create_skill(session, caller=caller, fields=fields)
        return _custom(skill), {}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)
