"""What profiles holds on a person (shared/personal_data.py): their profile, enrollments, SCIM
identity, and — as the person's own download at /v1/me/personal-data shows them — their
self-identification (decrypted for them alone), consents, personality results and intake answers.

Erasure is profiles' own use case (service/erasure.py): it anonymizes the person in place, erases
the sensitive data through their own use cases, and the records below do the rest.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import queries
from profiles.config import ProfilesSettings
from profiles.documents import (
    intake_answers_document,
    own_self_identification_document,
    personality_result_document,
)
from profiles.models import SCHEMA, Base, messaging
from shared.auth import Principal
from shared.personal_data import ExtraFile, PersonalData, Records
from shared.runtime import Runtime
from shared.secret_box import SecretBox

# The task that erases a person (service/erasure.py), enqueued on `privacy.erasure.requested`.
ERASE_TASK = "erase-person"


def _table(name: str) -> Table:
    return Base.metadata.tables[f"{SCHEMA}.{name}"]


async def sensitive(
    session: AsyncSession, runtime: Runtime, organization: str, person_id: uuid.UUID
) -> dict[str, ExtraFile]:
    """Self-identification, consents, personality and intake answers, as the person's own download."""
    settings = runtime.settings
    assert isinstance(settings, ProfilesSettings)
    box = SecretBox(settings.self_id_encryption_keys)
    as_them = Principal(subject=str(person_id), organization=organization, roles=frozenset())
    found = await queries.personal_data_of(session, caller=as_them, person_id=person_id)
    entries = [
        (row, attribute, box.open(row.sealed_value)) for row, attribute in found.self_identification.entries
    ]
    self_identification = own_self_identification_document(entries, found.self_identification.consents)
    history = [personality_result_document(row) for row in found.personality_history]
    answers = [
        {
            "enrollment_id": row.id,
            "program_id": row.program_id,
            "program_name": program_name,
            "role": row.role,
            "answers": intake_answers_document(questions, row.intake_answers),
        }
        for row, program_name, questions in found.enrollments
    ]
    return {
        "self_identification.json": ExtraFile(
            about="What you self-identified as, and every consent you gave or revoked (decrypted for you)",
            content=self_identification,
            records=len(entries),
        ),
        "personality.json": ExtraFile(
            about="Every personality and working-style questionnaire you took, with its results",
            content=history,
            records=len(history),
        ),
        "intake_answers.json": ExtraFile(
            about="Your answers to programs' intake questions", content=answers, records=len(answers)
        ),
    }


PERSONAL_DATA = PersonalData(
    service="profiles",
    about="Profiles: your profile (skills, goals, languages, time zone, availability), your "
    "enrollments, how you were provisioned, and your sensitive data (self-identification, "
    "personality, intake answers).",
    messaging=messaging,
    collect_more=sensitive,
    records=(
        Records(
            table=_table("people"),
            about="Your profile",
            person=("id",),
        ),
        Records(
            table=_table("enrollments"),
            about="Your enrollments in programs, with your goals for each",
            person=("person_id",),
            erase="anonymize",
            replace={"goals": [], "intake_answers": {}, "matching_answers": {}},
        ),
        Records(
            table=_table("scim_identities"),
            about="How your organization's identity provider provisioned you (SCIM)",
            person=("person_id",),
            erase="delete",
        ),
    ),
)
