"""A person's data about personality, program intake and self-identification: download it, erase it.

Only ever the caller's own: an admin token gets the admin's own data, never anyone else's.
"""

from __future__ import annotations

from fastapi import Response

from profiles import queries
from profiles.dependencies import SelfIdBox, Writer
from profiles.documents import (
    intake_answers_document,
    own_personality,
    own_self_identification_document,
    personality_result_document,
)
from profiles.models import messaging
from profiles.schemas import ErasureOut, PersonalDataExport
from profiles.service import personal_data
from profiles.service.self_identification import person_of
from shared.audit import record_access
from shared.clock import utcnow
from shared.dependencies import Caller, Reader
from shared.responses import document_response
from shared.routing import Routes

router = Routes("personal data", "Download or erase what the platform holds on you about these")

# What the trail says was read.
DOWNLOAD_READ = "personal data download (self-identification, personality, intake)"


@router.reads("/me/personal-data", PersonalDataExport, 403)
async def download(caller: Caller, db: Reader, box: SelfIdBox, writer: Writer) -> Response:
    """Download what the platform holds on you: self-identification and consents, personality, intake"""
    person_id = person_of(caller)
    found = await queries.personal_data_of(db, caller=caller, person_id=person_id)
    # Sensitive data read (by its owner): in the audit trail, naming what was read only.
    async with writer.transaction() as session:
        await record_access(
            session,
            messaging.audit,
            organization=caller.organization,
            resource_type="self_identification",
            resource_id=str(person_id),
            what=DOWNLOAD_READ,
        )
    entries = [
        (row, attribute, box.open(row.sealed_value)) for row, attribute in found.self_identification.entries
    ]
    document = {
        "person_id": person_id,
        "organization": caller.organization,
        "exported_at": utcnow(),
        "self_identification": own_self_identification_document(entries, found.self_identification.consents),
        "personality": {
            "current": own_personality(person_id, found.personality),
            "history": [personality_result_document(row) for row in found.personality_history],
        },
        "intake_answers": [
            {
                "enrollment_id": row.id,
                "program_id": row.program_id,
                "program_name": program_name,
                "role": row.role,
                "answers": intake_answers_document(questions, row.intake_answers),
            }
            for row, program_name, questions in found.enrollments
        ],
    }
    headers = {
        "Content-Disposition": 'attachment; filename="personal-data.json"',
        "Cache-Control": "no-store",
    }
    return document_response(document, headers=headers)


@router.deletes("/me/personal-data", ErasureOut, 403, 404)
async def erase(caller: Caller, writer: Writer, box: SelfIdBox) -> Response:
    """Erase your self-identification (and consent record), personality results and intake answers; matching
    drops its copies through events
    """
    async with writer.transaction() as session:
        counts = await personal_data.erase(session, caller=caller, box=box)
    return document_response(counts)
