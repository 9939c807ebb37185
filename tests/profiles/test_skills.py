"""Skills: the default AI taxonomy, extended per organization by its admins."""

from __future__ import annotations

from profiles.taxonomy import DEFAULT_SKILLS
from tests.profiles.conftest import Org, assert_problem, person_body


async def test_everyone_lists_the_default_taxonomy(org: Org) -> None:
    response = await org.client.get("/v1/skills", headers=org.auth(org.id, "someone", "mentee"))
    assert response.status_code == 200
    slugs = [item["slug"] for item in response.json()["items"]]
    assert slugs == [skill.slug for skill in DEFAULT_SKILLS]
    assert {"python", "pytorch", "nlp", "computer-vision", "mlops", "explainable-ai", "ai-ethics"} <= set(
        slugs
    )


async def test_an_admin_adds_a_custom_skill_that_profiles_may_then_use(org: Org) -> None:
    refused = await org.client.post(
        "/v1/people",
        json=person_body(skills=[{"skill": "graph-neural-networks", "level": 4}]),
        headers=org.admin,
    )
    assert_problem(refused, 422, "skills.0.skill")

    created = await org.client.post(
        "/v1/skills",
        json={
            "slug": "graph-neural-networks",
            "label": "Graph neural networks",
            "category": "machine-learning",
        },
        headers=org.admin,
    )
    assert created.status_code == 201
    assert created.json() == {
        "slug": "graph-neural-networks",
        "label": "Graph neural networks",
        "category": "machine-learning",
        "custom": True,
    }
    listed = await org.client.get("/v1/skills", headers=org.admin)
    assert listed.json()["items"][-1]["slug"] == "graph-neural-networks"
    person = await org.person(
        skills=[{"skill": "graph-neural-networks", "level": 4}],
        learning_interests=[{"skill": "graph-neural-networks", "target_level": 5}],
    )
    assert person["skills"] == [{"skill": "graph-neural-networks", "level": 4}]


async def test_a_custom_skill_of_another_organization_is_unknown_here(org: Org) -> None:
    other = org.auth("other-" + org.id, "admin", "admin")
    await org.client.post("/v1/skills", json={"slug": "quantum-ml", "label": "Quantum ML"}, headers=other)
    response = await org.client.post(
        "/v1/people", json=person_body(skills=[{"skill": "quantum-ml", "level": 1}]), headers=org.admin
    )
    assert_problem(response, 422, "skills.0.skill")


async def test_custom_skills_do_not_repeat(org: Org) -> None:
    await org.client.post("/v1/skills", json={"slug": "rag", "label": "RAG"}, headers=org.admin)
    before = await org.written.snapshot()
    for slug in ("rag", "python"):
        response = await org.client.post(
            "/v1/skills", json={"slug": slug, "label": "Again"}, headers=org.admin
        )
        assert_problem(response, 409, "slug")
    assert await org.written.snapshot() == before


async def test_invalid_custom_skills_are_422(org: Org) -> None:
    for body, field in (
        ({"slug": "Not A Slug", "label": "x"}, "slug"),
        ({"slug": "-leading", "label": "x"}, "slug"),
        ({"slug": "ok", "label": ""}, "label"),
        ({"slug": "ok", "label": "x", "category": "alchemy"}, "category"),
        ({"slug": "ok", "label": "x", "colour": "red"}, "colour"),
    ):
        assert_problem(await org.client.post("/v1/skills", json=body, headers=org.admin), 422, field)
    assert await org.written.snapshot() == {
        "people": 0, "programs": 0, "enrollments": 0, "custom_skills": 0, "idempotency_keys": 0, "events": 0,
    }  # fmt: skip


async def test_only_admins_add_skills(org: Org) -> None:
    for role in ("mentor", "mentee", "integration"):
        response = await org.client.post(
            "/v1/skills", json={"slug": "rag", "label": "RAG"}, headers=org.auth(org.id, "x", role)
        )
        assert_problem(response, 403)
