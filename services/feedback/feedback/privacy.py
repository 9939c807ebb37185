"""Who sees what of feedback: pure decisions over the caller and the submission's match.

- The author sees everything they wrote, private text included.
- The other participant of the match sees only what was shared: the shared text, never the
  numbers (a mentee's rating of their mentor is not the mentor's to read) and never private text.
- Admins see the numbers and the shared text, never private text; they read aggregates and flags.
- Anyone else may not know the submission exists (404).

Queries also filter private notes out in SQL for everyone but the author; these functions are
the second lock on the same door.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from shared.auth import Principal

Document = dict[str, Any]


class Viewer(StrEnum):
    AUTHOR = "author"
    COUNTERPART = "counterpart"
    ADMIN = "admin"


def person_id_of(caller: Principal) -> uuid.UUID | None:
    """The caller's person id: the token subject, when it is one (an integration's is not)."""
    try:
        return uuid.UUID(caller.subject)
    except ValueError:
        return None


def viewer_of(
    caller: Principal, *, respondent_id: uuid.UUID, mentor_id: uuid.UUID, mentee_id: uuid.UUID
) -> Viewer | None:
    """How the caller relates to a submission (the author first: an admin's own answers are theirs)."""
    person = person_id_of(caller)
    if person is not None and person == respondent_id:
        return Viewer.AUTHOR
    if person is not None and person in (mentor_id, mentee_id):
        return Viewer.COUNTERPART
    if caller.is_admin:
        return Viewer.ADMIN
    return None


def visible_notes(notes: Iterable[Document], viewer: Viewer) -> list[Document]:
    """The notes a viewer may read: private ones only by their author."""
    return [
        {"question_id": n["question_id"], "text": n["text"], "private": n["private"]}
        for n in notes
        if viewer is Viewer.AUTHOR or not n["private"]
    ]


def submission_view(submission: Document, notes: Iterable[Document], viewer: Viewer) -> Document:
    """The submission as `viewer` may see it."""
    view: Document = {
        "view": viewer.value,
        **{
            name: submission[name]
            for name in (
                "id",
                "request_id",
                "kind",
                "program_id",
                "match_id",
                "session_id",
                "respondent_id",
                "respondent_role",
                "submitted_at",
                "late",
            )
        },
        "scores": None if viewer is Viewer.COUNTERPART else dict(submission["scores"]),
        "notes": visible_notes(notes, viewer),
    }
    return view


def may_read_request(caller: Principal, respondent_id: uuid.UUID) -> bool:
    """A request is its respondent's business (and the admins', who follow response rates)."""
    return caller.is_admin or person_id_of(caller) == respondent_id


def may_see_match(caller: Principal, *, mentor_id: uuid.UUID, mentee_id: uuid.UUID) -> bool:
    return caller.is_admin or person_id_of(caller) in (mentor_id, mentee_id)
