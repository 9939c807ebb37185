"""Use cases of modules: write one, edit it (a published module gets a new version, a draft is
edited in place), publish it, and load the starter library into an organization."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.errors import Problem, invalid_field, not_found
from training import library
from training.config import TrainingSettings
from training.documents import Document, module_authoring
from training.knowledge_checks import KnowledgeCheck, check_problems
from training.media import video_problem
from training.models import MODULES, VERSIONS
from training.schemas import ModuleCreate, ModuleUpdate

CONTENT_FIELDS = (
    "title",
    "audience",
    "estimated_minutes",
    "body_markdown",
    "links",
    "videos",
    "reflection_prompt",
)


def content_problems(
    *, videos: list[str] | None, check: KnowledgeCheck | None, settings: TrainingSettings
) -> list[dict[str, str]]:
    """What the request models cannot check alone: video hosts (a setting) and whether the
    knowledge check is usable, as problem `errors`."""
    errors = [
        {"field": f"body.videos.{index}", "message": problem, "type": "video_not_allowed"}
        for index, url in enumerate(videos or [])
        if (problem := video_problem(url, settings.video_hosts)) is not None
    ]
    if check is not None:
        errors += [
            {"field": f"body.knowledge_check.{field}", "message": message, "type": "invalid_check"}
            for field, message in check_problems(check)
        ]
    return errors


def _raise_if(errors: list[dict[str, str]]) -> None:
    if errors:
        raise Problem(422, "the module is not usable as written", slug="validation-error", errors=errors)


def _check_columns(check: KnowledgeCheck | None) -> dict[str, Any]:
    if check is None:
        return {"pass_mark": None, "questions": []}
    dumped = check.model_dump(mode="json")
    return {"pass_mark": dumped["pass_mark"], "questions": dumped["questions"]}


async def create_module(
    session: AsyncSession,
    *,
    caller: Principal,
    fields: ModuleCreate,
    settings: TrainingSettings,
    now: datetime,
) -> Document:
    """A new module, as a draft (version 1) until published."""
    _raise_if(content_problems(videos=fields.videos, check=fields.knowledge_check, settings=settings))
    module_id = uuid.uuid4()
    await session.execute(
        MODULES.insert().values(
            id=module_id,
            organization=caller.organization,
            library_key=None,
            latest_version=1,
            published_version=None,
            revision=1,
            created_at=now,
            updated_at=now,
        )
    )
    content = fields.model_dump(mode="json", include=set(CONTENT_FIELDS))
    await session.execute(
        VERSIONS.insert().values(
            module_id=module_id,
            number=1,
            **content,
            **_check_columns(fields.knowledge_check),
            created_at=now,
            published_at=None,
        )
    )
    return await authoring_document(session, organization=caller.organization, module_id=module_id)


async def _locked(session: AsyncSession, *, organization: str, module_id: uuid.UUID) -> Any:
    module = (
        await session.execute(
            select(MODULES)
            .where(MODULES.c.id == module_id, MODULES.c.organization == organization)
            .with_for_update()
        )
    ).first()
    if module is None:
        raise not_found("module")
    return module


async def _version(session: AsyncSession, *, module_id: uuid.UUID, number: int) -> Any:
    return (
        await session.execute(
            select(VERSIONS).where(VERSIONS.c.module_id == module_id, VERSIONS.c.number == number)
        )
    ).one()


async def update_module(
    session: AsyncSession,
    *,
    caller: Principal,
    module_id: uuid.UUID,
    changes: ModuleUpdate,
    if_match: str | None,
    settings: TrainingSettings,
    now: datetime,
) -> Document:
    """Edit a module (If-Match: its revision). The published version is never edited: a change to
    it starts the next version, a draft that learners see once it is published."""
    module = await _locked(session, organization=caller.organization, module_id=module_id)
    check_if_match(if_match, module.revision)
    given = changes.model_fields_set
    for name in ("title", "audience", "estimated_minutes", "body_markdown", "links", "videos"):
        if name in given and getattr(changes, name) is None:
            raise invalid_field(name, "may be changed but not removed")
    _raise_if(
        content_problems(
            videos=changes.videos if "videos" in given else None,
            check=changes.knowledge_check if "knowledge_check" in given else None,
            settings=settings,
        )
    )
    latest = await _version(session, module_id=module_id, number=module.latest_version)
    content: dict[str, Any] = {name: getattr(latest, name) for name in CONTENT_FIELDS}
    content.update(pass_mark=latest.pass_mark, questions=latest.questions)
    dumped = changes.model_dump(mode="json", include=given & set(CONTENT_FIELDS))
    content.update(dumped)
    if "knowledge_check" in given:
        content.update(_check_columns(changes.knowledge_check))
    number = module.latest_version
    if module.published_version == module.latest_version:
        number += 1
        await session.execute(
            VERSIONS.insert().values(
                module_id=module_id, number=number, **content, created_at=now, published_at=None
            )
        )
    else:
        await session.execute(
            update(VERSIONS)
            .where(VERSIONS.c.module_id == module_id, VERSIONS.c.number == number)
            .values(**content)
        )
    await session.execute(
        update(MODULES)
        .where(MODULES.c.id == module_id)
        .values(latest_version=number, revision=module.revision + 1, updated_at=now)
    )
    return await authoring_document(session, organization=caller.organization, module_id=module_id)


async def publish_module(
    session: AsyncSession, *, caller: Principal, module_id: uuid.UUID, if_match: str | None, now: datetime
) -> Document:
    """Make the latest version the one learners see (If-Match: the revision); publishing what is
    already published changes nothing."""
    module = await _locked(session, organization=caller.organization, module_id=module_id)
    check_if_match(if_match, module.revision)
    if module.published_version != module.latest_version:
        await session.execute(
            update(VERSIONS)
            .where(VERSIONS.c.module_id == module_id, VERSIONS.c.number == module.latest_version)
            .values(published_at=now)
        )
        await session.execute(
            update(MODULES)
            .where(MODULES.c.id == module_id)
            .values(published_version=module.latest_version, revision=module.revision + 1, updated_at=now)
        )
    return await authoring_document(session, organization=caller.organization, module_id=module_id)


async def authoring_document(session: AsyncSession, *, organization: str, module_id: uuid.UUID) -> Document:
    module = (
        await session.execute(
            select(MODULES).where(MODULES.c.id == module_id, MODULES.c.organization == organization)
        )
    ).first()
    if module is None:
        raise not_found("module")
    return module_authoring(
        module, await _version(session, module_id=module_id, number=module.latest_version)
    )


async def load_library(session: AsyncSession, *, organization: str, now: datetime) -> Mapping[str, Any]:
    """Create the starter library's modules in the organization, published, unless they are there
    already (by library key; a module an admin edited since is left as it is). Returns the module
    id of each library key and how many were created."""
    created = 0
    for entry in library.modules():
        module_id = uuid.uuid4()
        inserted = await session.scalar(
            insert(MODULES)
            .values(
                id=module_id,
                organization=organization,
                library_key=entry.key,
                latest_version=1,
                published_version=1,
                revision=1,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(constraint="uq_modules_library_key")
            .returning(MODULES.c.id)
        )
        if inserted is None:
            continue
        created += 1
        await session.execute(
            VERSIONS.insert().values(
                module_id=module_id,
                number=1,
                title=entry.title,
                audience=entry.audience,
                estimated_minutes=entry.estimated_minutes,
                body_markdown=entry.body_markdown,
                links=list(entry.links),
                videos=[],
                reflection_prompt=entry.reflection_prompt,
                **_check_columns(entry.check),
                created_at=now,
                published_at=now,
            )
        )
    return {"created": created}
