"""A person downloads what the platform holds on them about self-identification (with the consent
record), personality and intake answers, and erases it; the events that follow make matching drop
its copies."""

from __future__ import annotations

from typing import Any

from profiles.routes.personal_data import DOWNLOAD_READ
from tests.profiles.conftest import Org, assert_problem
from tests.profiles.test_intake import QUESTIONS, ids, questionnaire
from tests.profiles.test_personality import SOCIABLE, SOCIABLE_SCORES
from tests.profiles.test_self_identification import GENDER, identify, offer


async def someone_who_answered_everything(org: Org) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    await offer(org, "gender", GENDER)
    program = await org.program()
    questions = ids(await questionnaire(org, program, QUESTIONS))
    person = await org.person()
    await identify(org, person, "gender", "woman", ["fairness_reports", "matching_preference"])
    await org.client.post(
        f"/v1/people/{person['id']}/personality",
        json={"items": SOCIABLE, "working_style": {"meeting_rhythm": "weekly"}},
        headers=org.as_person(person),
    )
    site, industry, confidence, *_ = questions
    enrolled = await org.client.post(
        f"/v1/programs/{program['id']}/enrollments",
        json={"role": "mentee", "intake_answers": {site: "paris", industry: ["health"], confidence: 4}},
        headers=org.as_person(person),
    )
    assert enrolled.status_code == 201, enrolled.text
    return person, program, questions


async def test_a_person_downloads_everything_held_on_them_about_this(org: Org) -> None:
    person, program, (site, industry, confidence, *_) = await someone_who_answered_everything(org)
    response = await org.client.get("/v1/me/personal-data", headers=org.as_person(person))
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    # A read of sensitive data by its owner: in the trail, naming what was read only.
    assert await org.written.reads() == [("self_identification", person["id"], person["id"], DOWNLOAD_READ)]
    data = response.json()
    assert data["person_id"] == person["id"]
    [identity] = data["self_identification"]["items"]
    assert (identity["attribute"], identity["value"]) == ("gender", "woman")
    assert len(data["self_identification"]["consents"]) == 2
    assert data["personality"]["current"]["traits"] == SOCIABLE_SCORES
    assert data["personality"]["history"][0]["items"] == SOCIABLE
    [intake] = data["intake_answers"]
    assert intake["program_id"] == program["id"]
    assert {answer["question_id"]: answer["answer"] for answer in intake["answers"]} == {
        site: "paris",
        industry: ["health"],
        confidence: 4,
    }


async def test_erasing_deletes_it_all_and_tells_matching(org: Org) -> None:
    person, program, _ = await someone_who_answered_everything(org)
    before = len(await org.written.events())
    erased = await org.client.delete("/v1/me/personal-data", headers=org.as_person(person))
    assert erased.status_code == 200, erased.text
    assert erased.json() == {
        "self_identifications": 1,
        "consent_records": 2,
        "personality_results": 1,
        "enrollments_with_intake_answers": 1,
    }
    for table in ("self_identifications", "self_id_consents", "personality_results"):
        assert await org.written.count(table) == 0, table
    after = (await org.client.get("/v1/me/personal-data", headers=org.as_person(person))).json()
    assert after["self_identification"] == {"items": [], "consents": []}
    assert after["personality"]["current"]["taken"] is False and after["personality"]["history"] == []
    assert after["intake_answers"] == []

    events = (await org.written.events())[before:]
    by_type = {event["type"].split(".")[2]: event["data"] for event in events}
    assert by_type["self_identification"]["self_identification"]["fairness_groups"] == []
    assert by_type["self_identification"]["self_identification"]["matching_groups"] == []
    assert by_type["personality"]["personality"]["traits"] is None
    assert by_type["enrollment"]["enrollment"]["matching_answers"] == {}
    # The enrollment itself stays: only the answers went.
    enrollments = (await org.client.get("/v1/me/enrollments", headers=org.as_person(person))).json()["items"]
    assert [enrollment["program_id"] for enrollment in enrollments] == [program["id"]]


async def test_erasing_twice_changes_nothing_more(org: Org) -> None:
    person, _, _ = await someone_who_answered_everything(org)
    await org.client.delete("/v1/me/personal-data", headers=org.as_person(person))
    before = len(await org.written.events())
    again = await org.client.delete("/v1/me/personal-data", headers=org.as_person(person))
    assert again.json() == {
        "self_identifications": 0,
        "consent_records": 0,
        "personality_results": 0,
        "enrollments_with_intake_answers": 0,
    }
    # Only the self-identification state is told again (empty), so matching converges either way.
    assert len(await org.written.events()) - before <= 1


async def test_someone_without_a_profile_or_a_person_token_cannot_erase(org: Org) -> None:
    assert_problem(
        await org.client.delete("/v1/me/personal-data", headers=org.auth(org.id, "hr-sync", "integration")),
        403,
    )
    assert_problem(await org.client.delete("/v1/me/personal-data", headers=org.admin), 404)
