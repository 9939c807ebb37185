"""Every service answers as its OpenAPI document says: a bounded, deterministic property-based run.

For each registered service (a new one is covered the day it is registered), schemathesis generates
requests for every operation of the service's own document, and they are sent to the app
in-process (ASGI, with its lifespan running: `service_client`), as an admin of a fresh organization
and as a mentee of it. A response fails the run when it is a 5xx, when its status code, its content
type or its body is not one the operation documents.

Bounded and deterministic: a few examples per operation (derandomized: the same ones every run; no
example database, no shrinking), so a run costs the same every time and a failure shows again on the
next run. Positive data (what the document allows, which must get a documented answer) for both
callers, and one negative example per operation (what it forbids, which must be a documented 4xx,
never a 5xx). Every operation that broke is reported with the first example that broke it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mentorship.services import SERVICES
from tests.conftest import AuthHeaders, Platform, new_org, service_client

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# 5xx answers an operation may promise: not implemented, and the database being down.
PROMISED_5XX = (501, 503)
BASE_URL = "http://api.test"
_REQUEST_ARGUMENTS = ("method", "url", "headers", "files", "data", "params", "cookies", "json")

Send = Callable[[requests.PreparedRequest], httpx.Response]


@dataclass(frozen=True)
class Run:
    """Who calls, with which kind of data, and how many examples per operation."""

    caller: str
    mode: GenerationMode
    examples: int


RUNS = (
    Run("admin", GenerationMode.POSITIVE, 2),
    Run("admin", GenerationMode.NEGATIVE, 1),
    Run("mentee", GenerationMode.POSITIVE, 1),
)


@dataclass
class Findings:
    """What broke, once per operation and kind of failure (the first example that showed it)."""

    broken: dict[tuple[str, str], str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    requests: int = 0

    def add(self, operation: str, kinds: str, text: str) -> None:
        self.broken.setdefault((operation, kinds), text[:1500])

    def report(self) -> str:
        return "\n\n".join(
            f"--- {operation}: {kinds}\n{text}" for (operation, kinds), text in self.broken.items()
        )


def _kinds(error: BaseException) -> str:
    failures = getattr(error, "exceptions", None) or [error]
    return ", ".join(sorted({type(failure).__name__ for failure in failures}))


def _streams(operation: Any) -> bool:
    """An event stream never ends: its own tests read it, a generated request would wait forever."""
    responses = operation.definition.raw.get("responses", {})
    media_types = {
        media_type
        for status, response in responses.items()
        if str(status).startswith("2")
        for media_type in response.get("content", {})
    }
    return media_types == {"text/event-stream"}


def _exercise(
    operation: Any,
    strategy: SearchStrategy[Any],
    *,
    run: Run,
    headers: dict[str, str],
    send: Send,
    findings: Findings,
) -> None:
    """Send `run.examples` generated requests to one operation and check every answer."""

    @settings(
        max_examples=run.examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def exercise(case: schemathesis.Case) -> None:
        try:
            arguments = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
        except schemathesis.errors.SerializationNotPossible:
            return
        prepared = requests.Request(
            **{key: value for key, value in arguments.items() if key in _REQUEST_ARGUMENTS}
        ).prepare()
        response = send(prepared)
        findings.requests += 1
        checks = CHECKS
        if response.status_code in PROMISED_5XX and str(response.status_code) in operation.definition.raw.get(
            "responses", {}
        ):
            # Documented: the operation says it is not implemented (501) or that its store is down (503).
            checks = [check for check in CHECKS if check is not not_a_server_error]
        try:
            case.validate_response(response, checks=checks)
        except (Exception, BaseExceptionGroup) as error:
            label = f"{operation.label} as {run.caller} [{run.mode.value}]"
            findings.add(label, _kinds(error), str(error))

    # Unsatisfiable: nothing to negate (an operation without parameters or body).
    with contextlib.suppress(Unsatisfiable):
        exercise()


def _explore(schema: Any, *, send: Send, callers: dict[str, dict[str, str]]) -> Findings:
    """Every operation of `schema`, with every run (in this thread: hypothesis blocks)."""
    findings = Findings()
    for result in schema.get_all_operations():
        operation = result.ok()
        if _streams(operation):
            findings.skipped.append(operation.label)
            continue
        strategies: dict[GenerationMode, SearchStrategy[Any]] = {}
        for run in RUNS:
            if run.mode not in strategies:
                strategies[run.mode] = operation.as_strategy(generation_mode=run.mode)
            _exercise(
                operation,
                strategies[run.mode],
                run=run,
                headers=callers[run.caller],
                send=send,
                findings=findings,
            )
    return findings


@pytest.mark.parametrize("service", [service.name for service in SERVICES])
async def test_every_answer_is_the_one_the_openapi_document_promises(
    service: str, platform: Platform, auth: AuthHeaders
) -> None:
    organization = new_org()
    callers = {
        "admin": auth(organization, str(uuid.uuid4()), "admin"),
        "mentee": auth(organization, str(uuid.uuid4()), "mentee"),
    }
    started, cpu = time.perf_counter(), time.process_time()
    # Generated bursts are not abuse (the rate limits have tests of their own).
    async with service_client(service, platform, rate_limit_enabled=False) as client:
        document = (await client.get("/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document)
        loop = asyncio.get_running_loop()

        def send(prepared: requests.PreparedRequest) -> httpx.Response:
            # From hypothesis' thread to the app, on the event loop its lifespan runs on.
            request = client.request(
                str(prepared.method), str(prepared.url), headers=dict(prepared.headers), content=prepared.body
            )
            return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60)

        findings = await asyncio.to_thread(_explore, schema, send=send, callers=callers)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    skipped = f", event streams not sent: {', '.join(findings.skipped)}" if findings.skipped else ""
    print(f"\n{service}: {findings.requests} requests in {elapsed:.1f} s ({cpu:.1f} s of CPU){skipped}")
    assert not findings.broken, (
        f"{service} answers what its OpenAPI document does not say:\n{findings.report()}"
    )
