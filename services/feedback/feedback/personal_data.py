"""What feedback holds on a person (shared/personal_data.py): the feedback asked of them, what they
submitted (ratings and their own notes, private ones included), their profile history as outcome
analytics read it.

Erasure deletes the notes they wrote (free text) and anonymizes the copy of their name; ratings,
requests and the weekly program figures stay, so analytics are unchanged, and feedback the other
party gave stays theirs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, select

from feedback.models import SCHEMA, Base, messaging
from shared.personal_data import FORMER_MEMBER, Mentions, NamesCopy, PersonalData, Records
from shared.retention import Retained


def _table(name: str) -> Table:
    return Base.metadata.tables[f"{SCHEMA}.{name}"]


def _submitted_at(notes: Table) -> ColumnElement[Any]:
    """When the note's answer was submitted (the period of its text counts from then)."""
    submissions = _table("submissions")
    return (
        select(submissions.c.submitted_at).where(submissions.c.id == notes.c.submission_id).scalar_subquery()
    )


PERSONAL_DATA = PersonalData(
    service="feedback",
    about="Feedback: what you were asked, what you answered (ratings and your own notes), and your "
    "history as outcome analytics use it.",
    messaging=messaging,
    # Others' notes may name the person: quotes become "Former member".
    names=NamesCopy(_table("people")),
    mentions=(Mentions(_table("feedback_notes"), ("text",)),),
    # Notes' text goes after the organization's period; the ratings of the answer stay.
    retained=(Retained(table=_table("feedback_notes"), kind="feedback_text_days", since=_submitted_at),),
    records=(
        Records(
            table=_table("people"),
            about="Your name as feedback shows it",
            person=("id",),
            erase="anonymize",
            replace={"name": FORMER_MEMBER},
        ),
        Records(
            table=_table("feedback_requests"),
            about="Feedback, check-ins and close-outs asked of you",
            person=("respondent_id",),
        ),
        Records(
            table=_table("submissions"),
            about="What you submitted: ratings and scores",
            person=("respondent_id",),
        ),
        Records(
            table=_table("feedback_notes"),
            about="The notes you wrote with your feedback, shared and private (others' notes are not here)",
            person=("author_id",),
            owner="author_id",
            private=("text",),
            erase="delete",
        ),
        Records(
            table=_table("person_versions"),
            about="Your profile's history as outcome analytics read it (department, seniority, title)",
            person=("person_id",),
        ),
        Records(
            table=_table("enrollments"),
            about="Your enrollments as feedback uses them",
            person=("person_id",),
        ),
        Records(
            table=_table("matches"),
            about="Your matches as feedback uses them",
            person=("mentee_id", "mentor_id"),
        ),
        Records(
            table=_table("sessions"),
            about="Your sessions as feedback uses them",
            person=("mentee_id", "mentor_id"),
        ),
    ),
)
