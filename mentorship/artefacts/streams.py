"""deploy/nats/streams/*.json and deploy/nats/consumers/<stream>/<consumer>.json: what the workers
provision, in the JetStream API's format (`nats stream add --config`, `nats consumer add --config`).

JSON has no comments and JetStream reports any extra key back as a difference, so each folder's
README.md says the folder is generated. tests/deploy/test_nats.py proves on a real 3-node cluster that
the workers create exactly these.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from typing import Any

from mentorship.artefacts.marks import HEADER
from mentorship.services import ServiceSpec
from shared.config import ServiceSettings
from shared.consumer import EventConsumer
from shared.events import service_subjects, stream_name
from shared.streams import DUPLICATE_WINDOW_SECONDS, STREAM_MAX_AGE_SECONDS, deadletter_stream

STREAMS = "deploy/nats/streams"
CONSUMERS = "deploy/nats/consumers"
# The namespace the definitions are written for: EVENT_NAMESPACE's default.
NAMESPACE = "mentorship"
# Every stream on all three nodes of the JetStream cluster (STREAM_REPLICAS in deploy/kubernetes).
REPLICAS = 3
_NANOSECONDS = 1_000_000_000
# As shared/streams.py and shared/consumer.py create them, where the code names no constant (the test
# above holds these to the code).
_DEADLETTER_MAX_AGE_SECONDS = 30 * 24 * 3600
_MAX_ACK_PENDING = 20_000
# The server's redelivery limit is a backstop: EventConsumer parks after CONSUMER_MAX_DELIVER itself.
_BACKSTOP_DELIVERIES = 5


def _consumer_default(parameter: str) -> Any:
    """A default of EventConsumer's, which every service's consumers keep."""
    return inspect.signature(EventConsumer).parameters[parameter].default


def _stream(name: str, subject: str, max_age_seconds: float) -> dict[str, Any]:
    return {
        "name": name,
        "subjects": [subject],
        "retention": "limits",
        "storage": "file",
        "discard": "old",
        "max_age": int(max_age_seconds * _NANOSECONDS),
        "duplicate_window": int(DUPLICATE_WINDOW_SECONDS * _NANOSECONDS),
        "num_replicas": REPLICAS,
        "max_consumers": -1,
        "max_msgs": -1,
        "max_bytes": -1,
        "max_msg_size": -1,
        "max_msgs_per_subject": -1,
    }


def _consumer(durable: str, source: str) -> dict[str, Any]:
    return {
        "durable_name": durable,
        "filter_subject": service_subjects(NAMESPACE, source),
        "deliver_policy": "all",
        "ack_policy": "explicit",
        "ack_wait": int(_consumer_default("ack_wait") * _NANOSECONDS),
        "max_deliver": ServiceSettings.model_fields["consumer_max_deliver"].default + _BACKSTOP_DELIVERIES,
        "max_ack_pending": _MAX_ACK_PENDING,
        "replay_policy": "instant",
    }


def _json(definition: dict[str, Any]) -> str:
    return json.dumps(definition, indent=2) + "\n"


def definitions(services: Sequence[ServiceSpec]) -> dict[str, str]:
    """Path -> content of every stream (one per publisher, and the dead letters) and every consumer."""
    deadletters = deadletter_stream(NAMESPACE)
    files = {
        f"{STREAMS}/{deadletters}.json": _json(
            _stream(deadletters, f"{NAMESPACE}.deadletter.>", _DEADLETTER_MAX_AGE_SECONDS)
        )
    }
    for service in services:
        if service.publishes:
            name = stream_name(NAMESPACE, service.name)
            subject = service_subjects(NAMESPACE, service.name)
            files[f"{STREAMS}/{name}.json"] = _json(_stream(name, subject, STREAM_MAX_AGE_SECONDS))
        for source in service.sources():
            stream = stream_name(NAMESPACE, source)
            files[f"{CONSUMERS}/{stream}/{service.name}.json"] = _json(_consumer(service.name, source))
    return dict(sorted(files.items()))


def readme(kind: str) -> str:
    """The README.md of the streams or consumers folder: the JSON files beside it are generated."""
    return (
        f"<!-- {HEADER} -->\n"
        f"# NATS JetStream {kind}\n\n"
        "The JSON files here are written by `make generate` from `mentorship/services.py` (with\n"
        "`mentorship/artefacts/streams.py`): do not edit them. They are what the workers create, for\n"
        '`EVENT_NAMESPACE=mentorship`; `deploy/OPERATIONS.md` ("The NATS cluster") shows how to apply\n'
        "them.\n"
    )
