"""Meeting links of video sessions, from the organization's template (e.g. `https://meet.example/{session_id}`).

Templates use `str.format` fields, restricted to the names below so an admin's typo is refused when
the template is saved, not when someone books.
"""

from __future__ import annotations

import string
import uuid
from urllib.parse import urlsplit

PLACEHOLDERS = frozenset({"session_id", "mentorship_id", "organization"})


def template_problems(template: str) -> list[str]:
    """Why a template cannot be used (empty when it can)."""
    problems = []
    try:
        fields = [
            name for _, name, spec, conversion in string.Formatter().parse(template) if name is not None
        ]
    except ValueError as exc:
        return [f"not a valid template: {exc}"]
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        problems.append(
            f"unknown placeholders {', '.join('{' + name + '}' for name in unknown)}; "
            f"allowed: {', '.join('{' + name + '}' for name in sorted(PLACEHOLDERS))}"
        )
    if "session_id" not in fields:
        problems.append("the template must contain {session_id}, so every session gets its own room")
    if not problems:
        sample = render(
            template, session_id=uuid.UUID(int=0), mentorship_id=uuid.UUID(int=0), organization="org"
        )
        parts = urlsplit(sample)
        if parts.scheme != "https" or not parts.netloc:
            problems.append("the template must render an https:// URL")
    return problems


def render(template: str, *, session_id: uuid.UUID, mentorship_id: uuid.UUID, organization: str) -> str:
    """The meeting link of one session."""
    return template.format(session_id=session_id, mentorship_id=mentorship_id, organization=organization)
