"""Free text in feedback (answers, the questions of a program's forms) refuses control characters:
a 422 naming the field, never a database error."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import AuthHeaders, new_org


async def test_a_nul_byte_in_a_text_answer_or_a_question_is_a_422_naming_it(
    feedback_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    org = new_org()
    answer = await feedback_client.post(
        f"/v1/feedback-requests/{uuid.uuid4()}/submission",
        json={"answers": {"rating": 4, "note": {"text": "Great\x00"}}},
        headers=auth(org, str(uuid.uuid4()), "mentee"),
    )
    question = {"id": "focus", "kind": "text", "prompt": "What did you\x00 work on?"}
    form = await feedback_client.patch(
        f"/v1/programs/{uuid.uuid4()}/feedback-settings",
        json={"checkin_questions": [question]},
        headers={**auth(org, str(uuid.uuid4()), "admin"), "If-Match": '"0"'},
    )
    for response, where in ((answer, "body.answers.note"), (form, "body.checkin_questions.0.prompt")):
        assert response.status_code == 422, response.text
        fields = [error["field"] for error in response.json()["errors"]]
        assert any(
            field.startswith(where) and "control characters" in error["message"]
            for field, error in zip(fields, response.json()["errors"], strict=True)
        ), fields
