"""What training holds on a person (shared/personal_data.py): their course assignments and progress,
knowledge-check attempts and their reflections (private text).

Erasure deletes their reflections and anonymizes the copy of their name; assignments, progress and
attempts stay (ids, numbers), so completion figures are unchanged.
"""

from __future__ import annotations

from sqlalchemy import Table

from shared.personal_data import FORMER_MEMBER, Mentions, NamesCopy, PersonalData, Records
from training.models import SCHEMA, Base, messaging


def _table(name: str) -> Table:
    return Base.metadata.tables[f"{SCHEMA}.{name}"]


PERSONAL_DATA = PersonalData(
    service="training",
    about="Training: your courses, progress, knowledge-check attempts and reflections.",
    messaging=messaging,
    names=NamesCopy(_table("people")),
    mentions=(Mentions(_table("reflections"), ("text",)),),
    records=(
        Records(
            table=_table("people"),
            about="Your name as training shows it",
            person=("id",),
            erase="anonymize",
            replace={"name": FORMER_MEMBER},
        ),
        Records(
            table=_table("enrollments"), about="Your enrollments as training uses them", person=("person_id",)
        ),
        Records(
            table=_table("assignments"),
            about="Courses assigned to you and your progress",
            person=("person_id",),
        ),
        Records(table=_table("module_progress"), about="Your progress per module", person=("person_id",)),
        Records(
            table=_table("attempts"), about="Your knowledge-check attempts and scores", person=("person_id",)
        ),
        Records(
            table=_table("reflections"),
            about="Your reflections (private: only you ever read them)",
            person=("person_id",),
            erase="delete",
        ),
    ),
)
