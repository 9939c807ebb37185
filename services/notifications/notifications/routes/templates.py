"""An organization's template overrides per kind and language (admins).

Templates are Jinja2, run in its sandbox with autoescaped HTML; only the kind's variables may be
used (GET /v1/kinds). A syntax error, an unknown variable or a failure with sample values is
refused with a 422 naming the part and the line.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from notifications import queries
from notifications.documents import template_document
from notifications.kinds import KINDS
from notifications.schemas import TemplateIn
from notifications.service import templates
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Admin, Change, Reader, Writer
from shared.errors import not_found
from shared.responses import document_response, found, page_response
from shared.routing import Routes

router = Routes(
    "templates", "An organization's wording per kind and language (admins)", prefix="/v1/templates"
)

Kind = Annotated[str, Path(max_length=50, pattern=r"^[a-z_]+$", description="A kind (GET /v1/kinds)")]
Language = Annotated[str, Path(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", description="e.g. en, fr, pt-BR")]


def _known(kind: str) -> None:
    if kind not in KINDS:
        raise not_found("kind")


@router.reads("", None, 403)
async def list_templates(caller: Admin, db: Reader) -> Response:
    """The organization's overrides"""
    rows = await queries.template_overrides(db, caller.organization)
    return page_response([template_document(row) for row in rows], None)


@router.reads("/{kind}/{language}", None, 403, 404)
async def get_template(kind: Kind, language: Language, caller: Admin, db: Reader) -> Response:
    """One override"""
    _known(kind)
    row = found(
        await queries.template_override(db, organization=caller.organization, kind=kind, language=language),
        "template override",
    )
    return document_response(template_document(row), version=row.version)


@router.puts("/{kind}/{language}", None, 403, 404, 412, 422, 428)
async def put_template(
    kind: Kind, language: Language, body: TemplateIn, caller: Admin, change: Change
) -> Response:
    """Create or replace an override (If-Match: its ETag, or `"0"` to create)"""
    _known(kind)
    row = await change.run(
        templates.replace,
        organization=caller.organization,
        kind=kind,
        language=language,
        template=body,
        now=utcnow(),
    )
    document = template_document(row)
    return document_response(document, version=row.version)


@router.deletes("/{kind}/{language}", None, 403, 404, 412, 428)
async def delete_template(
    kind: Kind, language: Language, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Back to the built-in wording"""
    _known(kind)
    async with writer.transaction() as session:
        row = found(
            await queries.template_override(
                session, organization=caller.organization, kind=kind, language=language
            ),
            "template override",
        )
        await templates.remove(session, row, if_match=if_match)
    return Response(status_code=204)
