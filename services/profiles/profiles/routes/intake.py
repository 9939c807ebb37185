"""Program intake questionnaires: the questions a program asks at enrollment (admins set them),
and an enrollment's answers (the enrolled person and admins)."""

from __future__ import annotations

import uuid

from fastapi import Response

from profiles import queries
from profiles.dependencies import Change
from profiles.documents import intake_answers_document, questionnaire_document
from profiles.schemas import EnrollmentIntake, QuestionnaireIn, QuestionnaireOut
from profiles.service import intake as intake_service
from shared.contracts.profiles import EnrollmentRole
from shared.dependencies import Admin, Caller, Reader
from shared.responses import document_response
from shared.routing import Routes

router = Routes("intake", "Programs' intake questionnaires and enrollments' answers")


@router.reads("/programs/{program_id}/questionnaire", QuestionnaireOut, 404)
async def get_questionnaire(
    program_id: uuid.UUID, caller: Caller, db: Reader, role: EnrollmentRole | None = None
) -> Response:
    """A program's intake questions (those asked of `role`, if given), shown at enrollment"""
    program, questions = await queries.questionnaire_for(db, caller=caller, program_id=program_id, role=role)
    return document_response(
        questionnaire_document(program["id"], program["version"], questions), version=program["version"]
    )


@router.puts("/programs/{program_id}/questionnaire", QuestionnaireOut, 403, 404, 412, 422, 428)
async def put_questionnaire(
    program_id: uuid.UUID, body: QuestionnaireIn, caller: Admin, change: Change
) -> Response:
    """Replace a program's intake questions (admin; If-Match: the program's ETag)"""
    program, questions = await change.run(
        intake_service.replace_questionnaire, caller=caller, program_id=program_id, body=body
    )
    return document_response(
        questionnaire_document(program["id"], program["version"], questions), version=program["version"]
    )


@router.reads("/programs/{program_id}/enrollments/{enrollment_id}/intake", EnrollmentIntake, 403, 404)
async def enrollment_intake(
    program_id: uuid.UUID, enrollment_id: uuid.UUID, caller: Caller, db: Reader
) -> Response:
    """An enrollment's intake answers with their questions (the enrolled person and admins)"""
    row, questions = await queries.enrollment_intake(
        db, caller=caller, program_id=program_id, enrollment_id=enrollment_id
    )
    return document_response(
        {
            "enrollment_id": row.id,
            "program_id": row.program_id,
            "role": row.role,
            "answers": intake_answers_document(questions, row.intake_answers),
        }
    )
