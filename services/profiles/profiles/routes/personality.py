"""The personality and working-style questionnaire: the instrument, taking it, one's own results.

Only the person answers and sees their answers and scores; an admin sees whether it was taken.
"""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import personality, queries
from profiles.dependencies import Creation
from profiles.schemas import (
    AnyPersonality,
    PersonalityHistory,
    PersonalityIn,
    PersonalityQuestionnaireOut,
    PersonalityResultOut,
)
from profiles.service import personality as personality_service
from shared.dependencies import Caller, Paging, Reader
from shared.responses import Created, document_response
from shared.routing import Routes

router = Routes("personality", "The optional personality (Mini-IPIP) and working-style survey")

_CITATION = (
    "Donnellan, M. B., Oswald, F. L., Baird, B. M., & Lucas, R. E. (2006). The Mini-IPIP scales: "
    "Tiny-yet-effective measures of the Big Five factors of personality. Psychological Assessment, "
    "18(2), 192-203. Items from the International Personality Item Pool (ipip.ori.org), public domain."
)


@router.reads("/personality/questionnaire", PersonalityQuestionnaireOut)
async def questionnaire(caller: Caller) -> Response:
    """The personality (Mini-IPIP) and working-style questions, with the scale and scoring keys"""
    return document_response(
        {
            "instrument": "Mini-IPIP",
            "citation": _CITATION,
            "instructions": personality.INSTRUCTIONS,
            "scale": personality.SCALE,
            "items": [
                {"number": item.number, "text": item.text, "trait": item.trait.value, "keyed": item.keyed}
                for item in personality.ITEMS
            ],
            "working_style": [
                {
                    "field": question.field,
                    "kind": question.kind,
                    "mentee_prompt": question.mentee_prompt,
                    "mentor_prompt": question.mentor_prompt,
                    "choices": list(question.choices),
                    "low": question.low,
                    "high": question.high,
                }
                for question in personality.WORKING_STYLE_QUESTIONS
            ],
        }
    )


@router.creates("/people/{person_id}/personality", PersonalityResultOut, 403, 404, 422)
async def take(
    person_id: uuid.UUID,
    answers: PersonalityIn,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Take (or retake) the questionnaire: yourself only; the latest answer to each part counts"""

    async def create(session: AsyncSession) -> Created:
        result = await personality_service.take(session, caller=caller, person_id=person_id, answers=answers)
        return result, {"Location": f"/v1/people/{person_id}/personality"}

    return await creation.run(caller=caller, create=create)


@router.reads("/people/{person_id}/personality", AnyPersonality, 404)
async def get_personality(person_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """Your result (`own`); an admin sees only whether it was taken (`admin`)"""
    return document_response(await queries.personality_for(db, caller=caller, person_id=person_id))


@router.reads("/people/{person_id}/personality/history", PersonalityHistory, 400, 403, 404)
async def history(person_id: uuid.UUID, caller: Caller, db: Reader, paging: Paging) -> Response:
    """Your takes, oldest first (yourself only)"""
    return await paging.answer(queries.personality_history, db, caller=caller, person_id=person_id)
