"""The published event catalog (AsyncAPI 3) is generated from the event models and kept current."""

from __future__ import annotations

from shared.asyncapi import DOCUMENT, build_document, render
from shared.events import CATALOG


def test_asyncapi_document_is_current() -> None:
    assert DOCUMENT.exists(), "run `python -m shared.asyncapi` to generate docs/asyncapi.json"
    assert DOCUMENT.read_text() == render(), "docs/asyncapi.json is stale: run `python -m shared.asyncapi`"


def test_every_contract_event_is_in_the_catalog_with_a_versioned_type() -> None:
    document = build_document()
    names = {message["name"] for message in document["components"]["messages"].values()}
    contracts = {name for name, model in CATALOG.items() if model.__module__.startswith("shared.contracts.")}
    assert contracts, "no event contracts registered"
    assert names == contracts
    for name in names:
        assert name.startswith("mentorship.") and name.rsplit(".", 1)[1].startswith("v")
    assert document["asyncapi"] == "3.0.0"
    for operation in document["operations"].values():
        assert operation["action"] == "send"
