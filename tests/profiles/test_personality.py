"""The personality (Mini-IPIP) and working-style questionnaire: scoring against hand-computed cases,
taking and retaking it, who sees what (the person their result, an admin only whether it was taken),
bad input, and the confidential event matching reads."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from profiles import personality
from shared.contracts.profiles import PersonalityTrait, PersonalityUpdated
from tests.profiles.conftest import Org, assert_problem
from webhooks.catalog import published_event_types

# Items 1..20 in order. By trait (item: answer, keyed):
#   extraversion       1:5+  6:1-  11:4+  16:2-  -> (5 + 5 + 4 + 4) / 4 = 4.5
#   agreeableness      2:4+  7:2-  12:5+  17:1-  -> (4 + 4 + 5 + 5) / 4 = 4.5
#   conscientiousness  3:2+  8:4-  13:3+  18:5-  -> (2 + 2 + 3 + 1) / 4 = 2.0
#   neuroticism        4:1+  9:5-  14:2+  19:4-  -> (1 + 1 + 2 + 2) / 4 = 1.5
#   intellect          5:5+ 10:1-  15:2-  20:1-  -> (5 + 5 + 4 + 5) / 4 = 4.75
SOCIABLE = [5, 4, 2, 1, 5, 1, 2, 4, 5, 1, 4, 5, 3, 2, 2, 2, 1, 5, 4, 1]
SOCIABLE_SCORES = {
    "extraversion": 4.5,
    "agreeableness": 4.5,
    "conscientiousness": 2.0,
    "neuroticism": 1.5,
    "intellect": 4.75,
}


def test_the_mini_ipip_has_four_items_per_trait_with_the_published_reverse_keys() -> None:
    assert [item.number for item in personality.ITEMS] == list(range(1, 21))
    for trait in PersonalityTrait:
        assert sum(item.trait is trait for item in personality.ITEMS) == 4
    reversed_items = {item.number for item in personality.ITEMS if item.keyed == "-"}
    assert reversed_items == {6, 7, 8, 9, 10, 15, 16, 17, 18, 19, 20}
    assert personality.ITEMS[0].text == "Am the life of the party."


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (SOCIABLE, SOCIABLE_SCORES),
        # Every answer 5: two plus- and two minus-keyed items give 3; intellect (one plus, three
        # minus) gives (5 + 1 + 1 + 1) / 4 = 2.
        (
            [5] * 20,
            {"extraversion": 3, "agreeableness": 3, "conscientiousness": 3, "neuroticism": 3, "intellect": 2},
        ),
        ([3] * 20, {trait.value: 3.0 for trait in PersonalityTrait}),
    ],
)
def test_trait_scores_are_the_mean_of_four_items_after_reverse_keying(
    answers: list[int], expected: dict[str, float]
) -> None:
    assert {trait.value: value for trait, value in personality.score(answers).items()} == expected


@pytest.mark.parametrize("answers", [[3] * 19, [3] * 21, [3] * 19 + [6], [0] + [3] * 19])
def test_scoring_refuses_anything_but_twenty_answers_from_one_to_five(answers: list[int]) -> None:
    with pytest.raises(ValueError):
        personality.score(answers)


async def take(org: Org, person: dict[str, Any], body: dict[str, Any], **headers: str) -> Any:
    return await org.client.post(
        f"/v1/people/{person['id']}/personality", json=body, headers={**org.as_person(person), **headers}
    )


async def test_the_questionnaire_lists_the_items_and_the_working_style_questions(org: Org) -> None:
    person = await org.person()
    response = await org.client.get("/v1/personality/questionnaire", headers=org.as_person(person))
    body = response.json()
    assert response.status_code == 200 and body["instrument"] == "Mini-IPIP"
    assert len(body["items"]) == 20 and body["items"][5] == {
        "number": 6,
        "text": "Don't talk a lot.",
        "trait": "extraversion",
        "keyed": "-",
    }
    assert [question["field"] for question in body["working_style"]] == [
        "communication",
        "meeting_rhythm",
        "feedback_directness",
        "structure",
        "challenge",
    ]


async def test_a_person_takes_it_sees_their_result_and_retakes_with_history_kept(org: Org) -> None:
    person = await org.person()
    style = {"communication": ["async_written"], "meeting_rhythm": "biweekly", "feedback_directness": 5}
    first = await take(org, person, {"items": SOCIABLE, "working_style": style})
    assert first.status_code == 201, first.text
    assert first.json()["traits"] == SOCIABLE_SCORES

    own = (
        await org.client.get(f"/v1/people/{person['id']}/personality", headers=org.as_person(person))
    ).json()
    assert own["view"] == "own" and own["taken"] and own["traits"] == SOCIABLE_SCORES
    assert own["working_style"]["communication"] == ["async_written"]

    # A retake of the working style alone: the latest answer to each part counts.
    second = await take(org, person, {"working_style": {"structure": 2}})
    assert second.status_code == 201
    own = (
        await org.client.get(f"/v1/people/{person['id']}/personality", headers=org.as_person(person))
    ).json()
    assert own["traits"] == SOCIABLE_SCORES and own["working_style"]["structure"] == 2
    assert own["working_style"]["communication"] == []
    history = await org.client.get(
        f"/v1/people/{person['id']}/personality/history", headers=org.as_person(person)
    )
    assert [item["traits"] is not None for item in history.json()["items"]] == [True, False]
    assert history.json()["items"][0]["items"] == SOCIABLE


async def test_an_admin_sees_only_whether_it_was_taken(org: Org) -> None:
    person, other = await org.person(), await org.person()
    await take(org, person, {"items": SOCIABLE})
    seen = await org.client.get(f"/v1/people/{person['id']}/personality", headers=org.admin)
    assert seen.json() == {"view": "admin", "person_id": person["id"], "taken": True}
    not_taken = await org.client.get(f"/v1/people/{other['id']}/personality", headers=org.admin)
    assert not_taken.json() == {"view": "admin", "person_id": other["id"], "taken": False}
    history = await org.client.get(f"/v1/people/{person['id']}/personality/history", headers=org.admin)
    assert_problem(history, 403)
    for_them = await org.client.post(
        f"/v1/people/{person['id']}/personality", json={"items": SOCIABLE}, headers=org.admin
    )
    assert_problem(for_them, 403)
    # Nowhere in the profile either: not the full view, not the list.
    full = (await org.client.get(f"/v1/people/{person['id']}", headers=org.admin)).text
    listed = (await org.client.get("/v1/people", headers=org.admin)).text
    for text in (full, listed):
        assert "traits" not in text and "extraversion" not in text


async def test_another_member_can_neither_see_nor_take_it(org: Org) -> None:
    person, other = await org.person(), await org.person()
    await take(org, person, {"items": SOCIABLE})
    peek = await org.client.get(f"/v1/people/{person['id']}/personality", headers=org.as_person(other))
    assert_problem(peek, 404)
    impersonate = await org.client.post(
        f"/v1/people/{person['id']}/personality", json={"items": SOCIABLE}, headers=org.as_person(other)
    )
    assert_problem(impersonate, 404)
    elsewhere = await org.client.get(
        f"/v1/people/{person['id']}/personality",
        headers=org.auth("org-elsewhere", str(uuid.uuid4()), "admin"),
    )
    assert_problem(elsewhere, 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": [3] * 19}, "items"),
        ({"items": [3] * 19 + [6]}, "items.19"),
        ({"items": [3] * 19 + ["3"]}, "items.19"),
        ({"working_style": {"feedback_directness": 0}}, "working_style.feedback_directness"),
        ({"working_style": {"communication": ["carrier_pigeon"]}}, "working_style.communication.0"),
        ({"working_style": {"meeting_rhythm": "daily"}}, "working_style.meeting_rhythm"),
        ({"working_style": {"communication": ["chat", "chat"]}}, "working_style.communication"),
        ({}, ""),
    ],
)
async def test_bad_answers_are_refused_naming_the_field_and_nothing_is_written(
    org: Org, body: dict[str, Any], field: str
) -> None:
    person = await org.person()
    before = await org.written.snapshot()
    response = await take(org, person, body)
    assert_problem(response, 422, *([field] if field else []))
    assert await org.written.snapshot() == before
    assert await org.written.count("personality_results") == 0


async def test_the_result_goes_to_matching_in_a_confidential_event_never_to_webhooks(org: Org) -> None:
    person = await org.person()
    await take(org, person, {"items": SOCIABLE, "working_style": {"challenge": 4}})
    event = (await org.written.events())[-1]
    assert event["type"] == PersonalityUpdated.event_type.name
    state = event["data"]["personality"]
    assert state["traits"] == SOCIABLE_SCORES and state["working_style"]["challenge"] == 4
    assert "items" not in state  # the answers themselves stay in profiles
    assert PersonalityUpdated.confidential
    assert PersonalityUpdated.event_type.name not in published_event_types()


async def test_an_idempotent_retry_records_one_take(org: Org) -> None:
    person = await org.person()
    first = await take(org, person, {"items": SOCIABLE}, **{"Idempotency-Key": "take-1"})
    again = await take(org, person, {"items": SOCIABLE}, **{"Idempotency-Key": "take-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert await org.written.count("personality_results") == 1


async def test_per_program_and_trait_the_admin_chooses_similarity_or_complementarity(org: Org) -> None:
    program = await org.program(personality_fit={"conscientiousness": "complementary"})
    assert program["personality_fit"] == {"conscientiousness": "complementary"}
    changed = await org.client.patch(
        f"/v1/programs/{program['id']}",
        json={"personality_fit": {"neuroticism": "ignored"}},
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert changed.json()["personality_fit"] == {
        "conscientiousness": "complementary",
        "neuroticism": "ignored",
    }
    event = (await org.written.events())[-1]
    assert event["data"]["changed"] == ["personality_fit"]
    assert event["data"]["program"]["personality_fit"] == changed.json()["personality_fit"]
    for refused in ({"charisma": "similar"}, {"extraversion": "opposite"}, None):
        response = await org.client.patch(
            f"/v1/programs/{program['id']}",
            json={"personality_fit": refused},
            headers={**org.admin, "If-Match": '"2"'},
        )
        assert_problem(response, 422, "personality_fit")


async def test_new_programs_weigh_the_new_components_modestly_and_old_ones_get_their_default(
    org: Org,
) -> None:
    program = await org.program()
    weights = program["score_weights"]
    assert weights["personality"] == weights["working_style"] == weights["intake"] == 0.05
    assert weights["skills"] > weights["availability"] > weights["personality"]
    # A program stored before these components existed: a change of its weights keeps its eight
    # and gives the new ones their default.
    async with org.written.engine.begin() as connection:
        await connection.exec_driver_sql(
            "UPDATE profiles.programs SET score_weights = score_weights - 'personality' - 'working_style'"
            " - 'intake' WHERE id = $1",
            (uuid.UUID(program["id"]),),
        )
    changed = await org.client.patch(
        f"/v1/programs/{program['id']}",
        json={"score_weights": {"skills": 0.4}},
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert (
        changed.json()["score_weights"]["personality"] == 0.05
        and changed.json()["score_weights"]["skills"] == 0.4
    )
