"""Program intake questionnaires: admins define questions per program and role, people answer them at
enrollment, answers are checked (a 422 naming the field, nothing written), and matching receives the
answers to criterion questions only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.profiles.conftest import Org, assert_problem

QUESTIONS: list[dict[str, Any]] = [
    {
        "prompt": "Where do you work?",
        "kind": "single_choice",
        "options": [{"id": "paris", "label": "Paris"}, {"id": "lagos", "label": "Lagos"}],
        "criterion": "must_match",
        "required": True,
    },
    {
        "prompt": "Industry",
        "kind": "multiple_choice",
        "options": [
            {"id": "health", "label": "Healthcare"},
            {"id": "finance", "label": "Finance"},
            {"id": "retail", "label": "Retail"},
        ],
        "criterion": "prefer_match",
    },
    {
        "prompt": "How confident are you with PyTorch?",
        "kind": "scale",
        "scale_min": 1,
        "scale_max": 10,
        "roles": ["mentee"],
        "required": True,
    },
    {"prompt": "Anything else?", "kind": "short_text"},
    {
        "prompt": "How many mentees can you take?",
        "kind": "single_choice",
        "options": [{"id": "one", "label": "One"}, {"id": "two", "label": "Two"}],
        "roles": ["mentor"],
    },
]


async def questionnaire(
    org: Org, program: dict[str, Any], questions: list[dict[str, Any]] = QUESTIONS
) -> Any:
    response = await org.client.put(
        f"/v1/programs/{program['id']}/questionnaire",
        json={"questions": questions},
        headers={**org.admin, "If-Match": f'"{program["version"]}"'},
    )
    assert response.status_code == 200, response.text
    return response.json()


def ids(body: dict[str, Any]) -> list[str]:
    return [question["id"] for question in body["questions"]]


async def test_an_admin_sets_questions_per_role_and_the_program_carries_its_matching_criteria(
    org: Org,
) -> None:
    program = await org.program()
    body = await questionnaire(org, program)
    site, industry, confidence, anything, capacity = ids(body)
    assert body["version"] == program["version"] + 1

    person = await org.person()
    for_mentees = await org.client.get(
        f"/v1/programs/{program['id']}/questionnaire",
        params={"role": "mentee"},
        headers=org.as_person(person),
    )
    assert ids(for_mentees.json()) == [site, industry, confidence, anything]
    for_mentors = await org.client.get(
        f"/v1/programs/{program['id']}/questionnaire",
        params={"role": "mentor"},
        headers=org.as_person(person),
    )
    assert ids(for_mentors.json()) == [site, industry, anything, capacity]

    current = (await org.client.get(f"/v1/programs/{program['id']}", headers=org.admin)).json()
    assert [(item["question_id"], item["kind"]) for item in current["intake_criteria"]] == [
        (site, "must_match"),
        (industry, "prefer_match"),
    ]
    [event] = [e for e in await org.written.events() if e["type"] == "mentorship.profiles.program.updated.v1"]
    assert event["data"]["changed"] == ["intake_criteria"]
    assert event["data"]["program"]["intake_criteria"] == current["intake_criteria"]


async def test_answers_are_stored_with_the_enrollment_and_matching_gets_the_criteria_ones_only(
    org: Org,
) -> None:
    program = await org.program()
    site, industry, confidence, anything, _ = ids(await questionnaire(org, program))
    person = await org.person()
    answers = {site: "paris", industry: ["retail", "health"], confidence: 7, anything: "I like notebooks"}
    enrolled = await org.client.post(
        f"/v1/programs/{program['id']}/enrollments",
        json={"role": "mentee", "intake_answers": answers},
        headers=org.as_person(person),
    )
    assert enrolled.status_code == 201, enrolled.text
    enrollment = enrolled.json()
    assert enrollment["matching_answers"] == {site: ["paris"], industry: ["health", "retail"]}
    event = (await org.written.events())[-1]
    assert event["data"]["enrollment"]["matching_answers"] == enrollment["matching_answers"]
    assert "I like notebooks" not in str(event) and "intake_answers" not in event["data"]["enrollment"]

    url = f"/v1/programs/{program['id']}/enrollments/{enrollment['id']}/intake"
    own = await org.client.get(url, headers=org.as_person(person))
    assert own.status_code == 200
    assert [(answer["prompt"], answer["answer"]) for answer in own.json()["answers"]] == [
        ("Where do you work?", "paris"),
        ("Industry", ["retail", "health"]),
        ("How confident are you with PyTorch?", 7),
        ("Anything else?", "I like notebooks"),
    ]
    assert (await org.client.get(url, headers=org.admin)).status_code == 200
    stranger = await org.person()
    assert_problem(await org.client.get(url, headers=org.as_person(stranger)), 404)
    member = await org.person()
    await org.enroll(program, member, "mentor")
    assert_problem(await org.client.get(url, headers=org.as_person(member, "mentor")), 403)


async def test_an_admin_may_enroll_someone_without_the_required_answers(org: Org) -> None:
    program = await org.program()
    await questionnaire(org, program)
    enrollment = await org.enroll(program, await org.person(), "mentee")
    assert enrollment["matching_answers"] == {}


async def test_answers_can_be_changed_later_and_are_checked_again(org: Org) -> None:
    program = await org.program()
    site, industry, confidence, _, _ = ids(await questionnaire(org, program))
    person = await org.person()
    enrollment = await org.enroll(program, person, "mentee")
    url = f"/v1/programs/{program['id']}/enrollments/{enrollment['id']}"
    changed = await org.client.patch(
        url,
        json={"intake_answers": {site: "lagos", confidence: 3}},
        headers={**org.as_person(person), "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["matching_answers"] == {site: ["lagos"]}
    refused = await org.client.patch(
        url,
        json={"intake_answers": {industry: ["health"]}},
        headers={**org.as_person(person), "If-Match": '"2"'},
    )
    assert_problem(refused, 422, f"intake_answers.{site}", f"intake_answers.{confidence}")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other program", "another program"),
        ("out of range", "out of range"),
        ("unknown choice", "unknown choice"),
        ("missing required", "required"),
        ("wrong role", "not asked of mentees"),
        ("not a question", "no such question"),
        ("wrong type", "expects"),
    ],
)
async def test_bad_answers_are_refused_naming_the_question_and_nothing_is_written(
    org: Org, case: str, message: str
) -> None:
    program = await org.program()
    site, _, confidence, _, capacity = ids(await questionnaire(org, program))
    other_program = await org.program(name="Another program")
    [elsewhere, *_] = ids(await questionnaire(org, other_program))
    valid = {site: "paris", confidence: 5}
    answers, field = {
        "other program": ({**valid, elsewhere: "paris"}, elsewhere),
        "out of range": ({**valid, confidence: 11}, confidence),
        "unknown choice": ({**valid, site: "tokyo"}, site),
        "missing required": ({site: "paris"}, confidence),
        "wrong role": ({**valid, capacity: "one"}, capacity),
        "not a question": ({**valid, "favourite-colour": "blue"}, "favourite-colour"),
        "wrong type": ({**valid, confidence: "five"}, confidence),
    }[case]
    person = await org.person()
    before = await org.written.snapshot()
    response = await org.client.post(
        f"/v1/programs/{program['id']}/enrollments",
        json={"role": "mentee", "intake_answers": answers},
        headers=org.as_person(person),
    )
    problem = assert_problem(response, 422, f"intake_answers.{field}")
    assert any(message in error["message"] for error in problem["errors"]), problem
    assert await org.written.snapshot() == before


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ({"prompt": "Notes", "kind": "short_text", "criterion": "must_match"}, "questions.0"),
        (
            {
                "prompt": "Site",
                "kind": "single_choice",
                "roles": ["mentee"],
                "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
                "criterion": "prefer_match",
            },
            "questions.0",
        ),
        ({"prompt": "Scale", "kind": "scale", "scale_min": 5, "scale_max": 5}, "questions.0"),
        ({"prompt": "Pick", "kind": "single_choice", "options": [{"id": "a", "label": "A"}]}, "questions.0"),
        (
            {"prompt": "Pick", "kind": "single_choice", "options": [{"id": "a", "label": "A"}] * 2},
            "questions.0.options",
        ),
        ({"prompt": "Pick", "kind": "telepathy"}, "questions.0.kind"),
        (
            {"prompt": "Old", "kind": "short_text", "id": "00000000-0000-0000-0000-000000000001"},
            "questions.0.id",
        ),
    ],
)
async def test_a_malformed_questionnaire_is_refused_and_nothing_changes(
    org: Org, question: dict[str, Any], field: str
) -> None:
    program = await org.program()
    before = await org.written.snapshot()
    response = await org.client.put(
        f"/v1/programs/{program['id']}/questionnaire",
        json={"questions": [question]},
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert_problem(response, 422, field)
    assert await org.written.snapshot() == before


async def test_only_admins_change_a_questionnaire_and_only_with_if_match(org: Org) -> None:
    program = await org.program()
    url = f"/v1/programs/{program['id']}/questionnaire"
    person = await org.person()
    forbidden = await org.client.put(
        url, json={"questions": []}, headers={**org.as_person(person), "If-Match": '"1"'}
    )
    assert_problem(forbidden, 403)
    assert_problem(await org.client.put(url, json={"questions": []}, headers=org.admin), 428)
    stale = await org.client.put(url, json={"questions": []}, headers={**org.admin, "If-Match": '"9"'})
    assert_problem(stale, 412)


async def test_removing_an_option_drops_the_answers_and_tells_matching(org: Org) -> None:
    program = await org.program()
    body = await questionnaire(org, program)
    site, industry, *_ = ids(body)
    person = await org.person()
    enrollment = await org.enroll(
        program, person, "mentee", intake_answers={site: "lagos", industry: ["retail"]}
    )
    assert enrollment["matching_answers"] == {site: ["lagos"], industry: ["retail"]}
    edited = [
        dict(question, id=question_id) for question, question_id in zip(QUESTIONS, ids(body), strict=True)
    ]
    edited[0]["options"] = [{"id": "paris", "label": "Paris"}, {"id": "nairobi", "label": "Nairobi"}]
    del edited[1]  # the industry question goes
    program = (await org.client.get(f"/v1/programs/{program['id']}", headers=org.admin)).json()
    await questionnaire(org, program, edited)
    events = await org.written.events()
    updated = [event for event in events if event["type"] == "mentorship.profiles.enrollment.updated.v1"]
    assert updated[-1]["data"]["enrollment"]["matching_answers"] == {}
    current = await org.client.get(
        f"/v1/programs/{program['id']}/enrollments/{enrollment['id']}/intake", headers=org.admin
    )
    assert current.json()["answers"] == []
