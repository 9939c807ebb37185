"""Program intake questionnaires: the questions a program asks at enrollment (admins set them),
and an enrollment's answers (the enrolled person and admins)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from profiles import queries
from profiles.dependencies import Admin, Caller, Reader, Writer
from profiles.documents import intake_answers_document, questionnaire_document
from profiles.schemas import EnrollmentIntake, QuestionnaireIn, QuestionnaireOut
from profiles.service import intake as intake_service
from shared.concurrency import IfMatch
from shared.contracts.profiles import EnrollmentRole
from shared.responses import document_response, problems

router = APIRouter(prefix="/v1", tags=["intake"])


@router.get(
    "/programs/{program_id}/questionnaire",
    response_model=QuestionnaireOut,
    summary="A program's intake questions (those asked of `role`, if given), shown at enrollment",
    responses=problems(404),
)
async def get_questionnaire(
    program_id: uuid.UUID, caller: Caller, db: Reader, role: EnrollmentRole | None = None
) -> Response:
    program, questions = await queries.questionnaire_for(db, caller=caller, program_id=program_id, role=role)
    return document_response(
        questionnaire_document(program["id"], program["version"], questions), version=program["version"]
    )


@router.put(
    "/programs/{program_id}/questionnaire",
    response_model=QuestionnaireOut,
    summary="Replace a program's intake questions (admin; If-Match: the program's ETag)",
    responses=problems(403, 404, 412, 422, 428),
)
async def put_questionnaire(
    program_id: uuid.UUID, body: QuestionnaireIn, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        program, questions = await intake_service.replace_questionnaire(
            session, caller=caller, program_id=program_id, body=body, if_match=if_match
        )
    return document_response(
        questionnaire_document(program["id"], program["version"], questions), version=program["version"]
    )


@router.get(
    "/programs/{program_id}/enrollments/{enrollment_id}/intake",
    response_model=EnrollmentIntake,
    summary="An enrollment's intake answers with their questions (the enrolled person and admins)",
    responses=problems(403, 404),
)
async def enrollment_intake(
    program_id: uuid.UUID, enrollment_id: uuid.UUID, caller: Caller, db: Reader
) -> Response:
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
