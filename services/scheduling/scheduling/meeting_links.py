"""Meeting links of video sessions, from the organization's template (e.g. `https://meet.example/{session_id}`).

A template substitutes a fixed set of placeholders (shared.placeholders), never `str.format`: an
admin's template is data, and nothing in it is ever evaluated. Unknown placeholders and stray braces
are refused when the template is saved, not when someone books.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote, urlsplit

from shared.placeholders import PlaceholderTemplate

# `{mentorship_id}` is the deprecated name of `{match_id}`: templates saved with it keep working.
PLACEHOLDERS = frozenset({"session_id", "match_id", "mentorship_id", "organization"})


def template_problems(template: str) -> list[str]:
    """Why a template cannot be used (empty when it can)."""
    parsed = PlaceholderTemplate(template)
    problems = parsed.problems(PLACEHOLDERS)
    if "session_id" not in parsed.names():
        problems.append("the template must contain {session_id}, so every session gets its own room")
    if not problems:
        sample = render(template, session_id=uuid.UUID(int=0), match_id=uuid.UUID(int=0), organization="org")
        parts = urlsplit(sample)
        if parts.scheme != "https" or not parts.netloc:
            problems.append("the template must render an https:// URL")
    return problems


def render(template: str, *, session_id: uuid.UUID, match_id: uuid.UUID, organization: str) -> str:
    """The meeting link of one session; values are percent-encoded so they stay inside their URL part."""
    values = {
        "session_id": str(session_id),
        "match_id": str(match_id),
        "mentorship_id": str(match_id),
        "organization": organization,
    }
    return PlaceholderTemplate(template).render(values, escape=lambda value: quote(value, safe=""))
