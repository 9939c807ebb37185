"""What matching holds on a person (shared/personal_data.py): its copy of their profile and
enrollments, their matches, preferences, circles and exclusions.

Erasure anonymizes the copy of the profile (profiles erased the original first) and drops what
came from their questionnaires; matches, proposals and circles stay, with their ids and scores,
so the other party's history and the program's figures are unchanged.
"""

from __future__ import annotations

from sqlalchemy import Table, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from matching.models import SCHEMA, Base, messaging
from shared.personal_data import FORMER_MEMBER, Mentions, NamesCopy, PersonalData, Records


def _table(name: str) -> Table:
    return Base.metadata.tables[f"{SCHEMA}.{name}"]


PEOPLE = _table("people")
# What profiles blanks of an erased person's profile (bio, goals, specializations), blanked in the
# copy matching scores from too.
_BLANKED_PROFILE = PEOPLE.c.profile.op("||")(
    type_coerce({"bio": None, "goals": [], "specializations": []}, JSONB)
)


PERSONAL_DATA = PersonalData(
    service="matching",
    about="Matching: your profile as matching reads it, your matches and why they were proposed, "
    "your preferences and circles.",
    messaging=messaging,
    names=NamesCopy(PEOPLE),
    mentions=(Mentions(_table("matches"), ("message",)), Mentions(_table("exclusions"), ("reason",))),
    records=(
        Records(
            table=PEOPLE,
            about="Your profile as matching uses it (a copy of what profiles holds)",
            person=("id",),
            erase="anonymize",
            replace={
                "name": FORMER_MEMBER,
                "title": None,
                "department": None,
                "manager_id": None,
                "profile": _BLANKED_PROFILE,
            },
        ),
        Records(
            table=_table("enrollments"),
            about="Your enrollments as matching uses them, with your matching answers",
            person=("person_id",),
            erase="anonymize",
            replace={"goals": [], "matching_answers": {}},
        ),
        Records(
            table=_table("matches"),
            about="Your matches: status, scores and their explanation; the request message if you wrote it",
            person=("mentee_id", "mentor_id"),
            owner="mentee_id",
            private=("message",),
            erase="anonymize",
            replace={"message": None},
        ),
        Records(
            table=_table("preferences"),
            about="Mentors you preferred or asked to avoid, per program",
            person=("person_id",),
        ),
        Records(
            table=_table("circle_members"),
            about="The circles you belong to",
            person=("person_id",),
        ),
        Records(
            table=_table("exclusions"),
            about="Pairings an admin excluded for you (without the admin's reason)",
            person=("mentee_id", "mentor_id"),
            secret=("reason",),
            erase="anonymize",
            replace={"reason": None},
        ),
        Records(
            table=_table("personality_profiles"),
            about="Your personality and working style as matching uses them",
            person=("person_id",),
            erase="delete",
        ),
        Records(
            table=_table("identity_groups"),
            about="The self-identification groups you consented to matching using",
            person=("person_id",),
            erase="delete",
        ),
        Records(
            table=_table("course_assignments"),
            about="Your training progress as matching's readiness gates read it",
            person=("person_id",),
        ),
    ),
)
