"""The event catalog as an AsyncAPI 3.0 document, generated from the pydantic event models.

`python -m shared.asyncapi` rewrites docs/asyncapi.json; `--check` fails if it is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import shared.contracts  # noqa: F401  (registers every event type in CATALOG)
from shared.events import CATALOG, CloudEvent, Event

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.json"


def _envelope_schema(data_ref: str) -> dict[str, Any]:
    schema = CloudEvent.model_json_schema()
    schema["properties"]["data"] = {"$ref": data_ref}
    schema.pop("title", None)
    return schema


def _deprecation(model: type[Event], *, field: str) -> dict[str, Any]:
    """`{field: true, "description": ...}` naming the replacement of a deprecated event, else `{}`."""
    if model.deprecated_by is None:
        return {}
    return {
        field: True,
        "description": (
            f"Deprecated: use {model.deprecated_by}, which carries the same data. "
            f"{model.event_type.name} is still published alongside it while consumers move."
        ),
    }


def build_document() -> dict[str, Any]:
    """AsyncAPI 3.0: one channel and one `send` operation per event type, payloads as JSON Schema."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for type_name in sorted(CATALOG):
        model = CATALOG[type_name]
        if not model.__module__.startswith("shared.contracts."):
            continue  # only the published contracts (tests may register their own types)
        event_type = model.event_type
        key = f"{event_type.service}.{event_type.entity}.{event_type.action}.v{event_type.version}"
        message_key = key.replace(".", "_")
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            schemas[name] = definition
        schemas[model.__name__] = schema
        messages[message_key] = {
            "name": type_name,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else type_name,
            "contentType": "application/cloudevents+json",
            "payload": _envelope_schema(f"#/components/schemas/{model.__name__}"),
            **_deprecation(model, field="deprecated"),
            # Personal data for the platform's own services: never delivered by webhooks.
            **({"x-confidential": True} if model.confidential else {}),
        }
        channel_key = message_key
        channels[channel_key] = {
            "address": f"{{namespace}}.{event_type.service}.{event_type.entity}.{event_type.action}",
            "parameters": {"namespace": {"description": "Deployment namespace", "default": "mentorship"}},
            "messages": {message_key: {"$ref": f"#/components/messages/{message_key}"}},
        }
        operations[f"publish_{message_key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_key}"},
            "summary": f"The {event_type.service} service publishes {type_name} through its outbox.",
            # AsyncAPI 3.0 operations have no `deprecated` field: an extension says it instead.
            **_deprecation(model, field="x-deprecated"),
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Mentorship platform events",
            "version": "1.0.0",
            "description": (
                "Every domain event, as CloudEvents 1.0 structured JSON on NATS JetStream. "
                "One stream per publishing service; messages carry Nats-Msg-Id = event id "
                "and a W3C traceparent."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "nats": {"host": "localhost:4222", "protocol": "nats", "description": "NATS with JetStream"}
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/asyncapi.json is out of date")
    args = parser.parse_args(argv)
    current = render()
    if args.check:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != current:
            print("docs/asyncapi.json is out of date: run `python -m shared.asyncapi`", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
    DOCUMENT.write_text(current)
    print(f"wrote {DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
