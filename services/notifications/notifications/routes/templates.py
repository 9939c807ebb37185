"""An organization's template overrides per kind and language (admins).

Templates are Jinja2, run in its sandbox with autoescaped HTML; only the kind's variables may be
used (GET /v1/kinds). A syntax error, an unknown variable or a failure with sample values is
refused with a 422 naming the part and the line.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from notifications import queries
from notifications.dependencies import Admin, Reader, Writer
from notifications.documents import template_document
from notifications.kinds import KINDS
from notifications.schemas import TemplateIn
from notifications.service import templates
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.errors import not_found
from shared.responses import document_response, page_response, problems

router = APIRouter(prefix="/v1/templates", tags=["templates"])

Kind = Annotated[str, Path(max_length=50, pattern=r"^[a-z_]+$", description="A kind (GET /v1/kinds)")]
Language = Annotated[str, Path(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", description="e.g. en, fr, pt-BR")]


def _known(kind: str) -> None:
    if kind not in KINDS:
        raise not_found("kind")


@router.get("", summary="The organization's overrides", responses=problems(403))
async def list_templates(caller: Admin, db: Reader) -> Response:
    rows = await queries.template_overrides(db, caller.organization)
    return page_response([template_document(row) for row in rows], None)


@router.get("/{kind}/{language}", summary="One override", responses=problems(403, 404))
async def get_template(kind: Kind, language: Language, caller: Admin, db: Reader) -> Response:
    _known(kind)
    row = await queries.template_override(db, organization=caller.organization, kind=kind, language=language)
    if row is None:
        raise not_found("template override")
    return document_response(template_document(row), version=row.version)


@router.put(
    "/{kind}/{language}",
    summary='Create or replace an override (If-Match: its ETag, or `"0"` to create)',
    responses=problems(403, 404, 412, 422, 428),
)
async def put_template(
    kind: Kind, language: Language, body: TemplateIn, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    _known(kind)
    async with writer.transaction() as session:
        row = await templates.replace(
            session,
            organization=caller.organization,
            kind=kind,
            language=language,
            template=body,
            if_match=if_match,
            now=utcnow(),
        )
        document = template_document(row)
    return document_response(document, version=row.version)


@router.delete(
    "/{kind}/{language}",
    status_code=204,
    summary="Back to the built-in wording",
    responses=problems(403, 404, 412, 428),
)
async def delete_template(
    kind: Kind, language: Language, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    _known(kind)
    async with writer.transaction() as session:
        row = await queries.template_override(
            session, organization=caller.organization, kind=kind, language=language
        )
        if row is None:
            raise not_found("template override")
        await templates.remove(session, row, if_match=if_match)
    return Response(status_code=204)
