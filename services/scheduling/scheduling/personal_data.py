"""What scheduling holds on a person (shared/personal_data.py): its copy of their name, email, time
zone and availability, their sessions, flash sessions, office hours and calendar feeds.

Erasure anonymizes the copy of the profile and deletes their calendar feeds; sessions stay (with
their ids and times), so the other party's history and the program's figures are unchanged.
"""

from __future__ import annotations

from sqlalchemy import Table

from scheduling.models import SCHEMA, Base, messaging
from shared.personal_data import FORMER_MEMBER, Mentions, NamesCopy, PersonalData, Records


def _table(name: str) -> Table:
    return Base.metadata.tables[f"{SCHEMA}.{name}"]


PERSONAL_DATA = PersonalData(
    service="scheduling",
    about="Scheduling: your time zone and availability as scheduling uses them, your sessions, "
    "office hours and calendar feeds.",
    messaging=messaging,
    names=NamesCopy(_table("people"), email="email"),
    mentions=(Mentions(_table("sessions"), ("prompt", "location")),),
    records=(
        Records(
            table=_table("people"),
            about="Your name, email, time zone and availability as scheduling uses them",
            person=("id",),
            erase="anonymize",
            replace={"name": FORMER_MEMBER, "email": "", "availability": [], "availability_overrides": []},
        ),
        Records(
            table=_table("sessions"),
            about="Your mentoring sessions: when, how, their status",
            person=("mentor_id", "mentee_id"),
        ),
        Records(
            table=_table("session_participants"),
            about="Your time blocked by sessions",
            person=("person_id",),
        ),
        Records(
            table=_table("flash_sessions"),
            about="Your flash (one-off) sessions",
            person=("mentor_id", "mentee_id"),
        ),
        Records(
            table=_table("office_hours"),
            about="Your office hours as a mentor",
            person=("mentor_id",),
        ),
        Records(
            table=_table("reminders"),
            about="Reminders of your sessions",
            person=("recipient_id",),
        ),
        Records(
            table=_table("calendar_feeds"),
            about="Your calendar feeds (their secret tokens are never exported)",
            person=("person_id",),
            secret=("token_hash",),
            erase="delete",
        ),
        Records(
            table=_table("enrollments"),
            about="Your enrollments as scheduling uses them",
            person=("person_id",),
        ),
    ),
)
