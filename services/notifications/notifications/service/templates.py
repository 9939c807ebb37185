"""An organization's template overrides: checked before they are saved (sandboxed, every variable
known, rendering with sample values), under If-Match."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.models import TemplateOverride
from notifications.rendering import Override, check_override
from notifications.schemas import TemplateIn
from shared.concurrency import check_if_match
from shared.errors import Problem

_FIELDS = {"subject": "subject", "text": "text", "html": "html"}


def refuse_if_broken(kind: str, template: TemplateIn) -> None:
    problems = check_override(kind, Override(template.subject, template.text, template.html))
    if problems:
        errors = [
            {
                "field": f"body.{_FIELDS[problem.part]}",
                "line": problem.line,
                "message": problem.message
                if problem.line is None
                else f"line {problem.line}: {problem.message}",
                "type": "template-error",
            }
            for problem in problems
        ]
        raise Problem(
            422, errors[0]["message"], slug="template-error", title="Template refused", errors=errors
        )


async def replace(
    session: AsyncSession,
    *,
    organization: str,
    kind: str,
    language: str,
    template: TemplateIn,
    if_match: str | None,
    now: datetime,
) -> TemplateOverride:
    refuse_if_broken(kind, template)
    row = await session.get(TemplateOverride, (organization, kind, language), with_for_update=True)
    check_if_match(if_match, row.version if row is not None else 0)
    if row is None:
        row = TemplateOverride(organization=organization, kind=kind, language=language, version=0)
        session.add(row)
    row.subject = template.subject
    row.text_body = template.text
    row.html_body = template.html
    row.version += 1
    row.updated_at = now
    await session.flush()
    return row


async def remove(session: AsyncSession, row: TemplateOverride, *, if_match: str | None) -> None:
    check_if_match(if_match, row.version)
    await session.delete(row)
