"""Taking modules: knowledge-check attempts graded on submission, completion, and reflections that
only their author ever reads."""

from __future__ import annotations

import uuid

from tests.training.conftest import Org


async def test_an_answer_to_a_question_that_does_not_exist_is_a_problem_naming_it(org: Org) -> None:
    module = await org.module(check=True)
    learner = org.as_person(uuid.uuid4())
    response = await org.client.post(
        f"/v1/modules/{module['id']}/attempts",
        json={"answers": {"q1": "right", "q9": "right"}},
        headers=learner,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "body.answers.q9",
            "message": "no such question in this knowledge check",
            "type": "invalid_answer",
        }
    ]
    attempts = await org.client.get(f"/v1/modules/{module['id']}/attempts", headers=learner)
    assert attempts.json()["items"] == []  # nothing stored


async def test_a_choice_the_question_does_not_have_is_a_problem(org: Org) -> None:
    module = await org.module(check=True)
    response = await org.client.post(
        f"/v1/modules/{module['id']}/attempts",
        json={"answers": {"q1": "maybe"}},
        headers=org.as_person(uuid.uuid4()),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.answers.q1"


async def test_a_failed_attempt_is_stored_and_a_passing_one_completes_the_module(org: Org) -> None:
    module = await org.module(check=True)
    person = uuid.uuid4()
    learner = org.as_person(person)
    path = f"/v1/modules/{module['id']}"
    assert (await org.client.post(f"{path}/completion", headers=learner)).json()["type"] == (
        "/problems/knowledge-check-required"
    )
    failed = await org.client.post(f"{path}/attempts", json={"answers": {"q1": "wrong"}}, headers=learner)
    assert failed.status_code == 201
    assert (failed.json()["score"], failed.json()["passed"], failed.json()["answer_key"]) == (
        0.0,
        False,
        None,
    )
    assert failed.json()["module_completed"] is False
    passed = await org.client.post(f"{path}/attempts", json={"answers": {"q1": "right"}}, headers=learner)
    body = passed.json()
    assert (body["score"], body["passed"], body["module_completed"]) == (100.0, True, True)
    assert body["answer_key"] == [{"question_id": "q1", "correct_choices": ["right"], "accepted_answers": []}]
    again = await org.client.post(f"{path}/completion", headers=learner)
    assert again.status_code == 200 and again.json()["completed_version"] == 1
    history = (await org.client.get(f"{path}/attempts", headers=learner)).json()["items"]
    assert [item["score"] for item in history] == [100.0, 0.0]  # newest first


async def test_an_attempt_retried_with_its_idempotency_key_is_stored_once(org: Org) -> None:
    module = await org.module(check=True)
    learner = {**org.as_person(uuid.uuid4()), "Idempotency-Key": "attempt-1"}
    path = f"/v1/modules/{module['id']}/attempts"
    first = await org.client.post(path, json={"answers": {"q1": "wrong"}}, headers=learner)
    second = await org.client.post(path, json={"answers": {"q1": "wrong"}}, headers=learner)
    assert first.json()["id"] == second.json()["id"]
    assert len((await org.client.get(path, headers=learner)).json()["items"]) == 1


async def test_a_reflection_is_read_by_its_author_alone(org: Org) -> None:
    module = await org.module()
    author = uuid.uuid4()
    mine = org.as_person(author)
    path = f"/v1/modules/{module['id']}/reflection"
    written = await org.client.put(path, json={"text": "I interrupt people when I am nervous."}, headers=mine)
    assert written.status_code == 201 and written.headers["ETag"] == '"1"'
    assert (await org.client.get(path, headers=mine)).json()[
        "text"
    ] == "I interrupt people when I am nervous."

    # Someone else in the organization, an admin included, and another organization: nothing.
    for headers in (
        org.as_person(uuid.uuid4()),
        org.admin,
        org.auth("org-other-" + uuid.uuid4().hex[:6], str(author), "mentee"),
    ):
        assert (await org.client.get(path, headers=headers)).status_code == 404
    mine_listed = (await org.client.get("/v1/me/reflections", headers=mine)).json()["items"]
    assert [item["text"] for item in mine_listed] == ["I interrupt people when I am nervous."]
    assert (await org.client.get("/v1/me/reflections", headers=org.admin)).json()["items"] == []


async def test_rewriting_a_reflection_needs_its_etag(org: Org) -> None:
    module = await org.module()
    mine = org.as_person(uuid.uuid4())
    path = f"/v1/modules/{module['id']}/reflection"
    await org.client.put(path, json={"text": "first"}, headers=mine)
    assert (await org.client.put(path, json={"text": "second"}, headers=mine)).status_code == 428
    assert (
        await org.client.put(path, json={"text": "second"}, headers={**mine, "If-Match": '"9"'})
    ).status_code == 412
    rewritten = await org.client.put(path, json={"text": "second"}, headers={**mine, "If-Match": '"1"'})
    assert rewritten.status_code == 200 and rewritten.json()["version"] == 2


async def test_admins_see_that_a_reflection_exists_never_its_text(org: Org) -> None:
    await org.program()
    module = await org.module()
    await org.course([module["id"]])
    enrolled = await org.enroll(role="mentor")
    await org.assignment(enrolled.person_id)
    secret = "My manager makes me feel small in reviews."
    response = await org.client.put(
        f"/v1/modules/{module['id']}/reflection",
        json={"text": secret},
        headers=org.as_person(enrolled.person_id, "mentor"),
    )
    assert response.status_code == 201
    admin_view = await org.client.get(f"/v1/people/{enrolled.person_id}/training", headers=org.admin)
    assert admin_view.json()["assignments"][0]["modules"][0]["reflection_written"] is True
    assert secret not in admin_view.text
    report = await org.client.get(f"/v1/programs/{org.program_id}/training-report", headers=org.admin)
    assert secret not in report.text
    await org.bus.settled()
    assert all(secret not in str(event.data) for event in await org.bus.training_events(org.organization))


async def test_an_integration_token_takes_no_training(org: Org) -> None:
    module = await org.module()
    integration = org.auth(org.organization, "hr-system", "integration")
    response = await org.client.post(f"/v1/modules/{module['id']}/completion", headers=integration)
    assert response.status_code == 403
