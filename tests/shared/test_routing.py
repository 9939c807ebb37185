"""shared.routing.Routes: one line per operation, the docstring as its documentation, the tag
declared with the router; what OpenAPI says must be what the handler was declared with."""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel

from shared.routing import Routes, openapi_tags


class Thing(BaseModel):
    id: int


def _app() -> FastAPI:
    router = Routes("things", "What the tests declare")
    other = Routes("more things", prefix="/v2")

    @router.reads("/things/{thing_id}", Thing, 403, 404)
    async def get_thing(thing_id: int) -> Thing:
        """A thing

        Read by id; the rest of the docstring
        is the description.
        """
        return Thing(id=thing_id)

    @router.creates("/things", Thing, 409, deprecated_paths=["/old-things"])
    async def create_thing() -> Thing:
        """Create a thing, a summary written
        over two lines"""
        return Thing(id=1)

    @router.deletes("/things/{thing_id}", None, 404)
    async def delete_thing(thing_id: int) -> Response:
        return Response(status_code=204)

    @router.deletes("/things/{thing_id}/parts", Thing)
    async def delete_parts(thing_id: int) -> Thing:
        """Take the parts off (answers what is left)"""
        return Thing(id=thing_id)

    @other.patches("/things/{thing_id}", Thing, 412, 428)
    async def change_thing(thing_id: int) -> Thing:
        """Change a thing"""
        return Thing(id=thing_id)

    app = FastAPI(openapi_tags=openapi_tags([router, other, router]))
    app.include_router(router)
    app.include_router(other)
    return app


def test_each_kind_registers_its_method_status_model_and_problems() -> None:
    document = _app().openapi()
    paths = document["paths"]
    get = paths["/v1/things/{thing_id}"]["get"]
    assert get["summary"] == "A thing"
    assert get["description"] == "Read by id; the rest of the docstring\nis the description."
    assert get["tags"] == ["things"]
    assert {"200", "403", "404"} <= set(get["responses"])
    assert get["responses"]["404"]["content"] == {"application/problem+json": {}}

    create = paths["/v1/things"]["post"]
    assert create["summary"] == "Create a thing, a summary written over two lines"
    assert "description" not in create, "a one-paragraph docstring is only the summary"
    assert "201" in create["responses"] and "200" not in create["responses"]
    assert "409" in create["responses"]
    deprecated = paths["/v1/old-things"]["post"]
    assert deprecated["deprecated"] is True
    assert deprecated["summary"].endswith("(deprecated: use /v1/things)")

    assert "204" in paths["/v1/things/{thing_id}"]["delete"]["responses"]
    assert "200" in paths["/v1/things/{thing_id}/parts"]["delete"]["responses"]
    assert paths["/v1/things/{thing_id}"]["delete"]["summary"] == "Delete Thing", (
        "FastAPI's own without a docstring"
    )

    patch = paths["/v2/things/{thing_id}"]["patch"]
    assert patch["tags"] == ["more things"] and {"412", "428"} <= set(patch["responses"])


def test_the_routers_declare_the_tags_once_each_in_order() -> None:
    assert _app().openapi()["tags"] == [
        {"name": "things", "description": "What the tests declare"},
        {"name": "more things"},
    ]


def test_the_routes_answer_as_declared() -> None:
    client = TestClient(_app())
    assert client.get("/v1/things/7").json() == {"id": 7}
    assert client.post("/v1/things").status_code == 201
    assert client.post("/v1/old-things").status_code == 201
    assert client.delete("/v1/things/7").status_code == 204
    assert client.delete("/v1/things/7/parts").status_code == 200
