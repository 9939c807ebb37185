"""The SCIM endpoints checked by scim2-tester, the python-scim project's conformance checker.

The checker is a synchronous scim2-client; it runs in a thread and its requests are handed to
the profiles app in-process on the test's event loop (no network, no second server).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from scim2_client import BaseSyncSCIMClient
from scim2_tester import CheckResult, Status, check_server

from tests.profiles.conftest import Org

# Checks we do not pass, and why. Each is named `check:attribute` (or the check alone).
KNOWN_FAILURES = {
    # A person is always active or deactivated: `active` cannot be unassigned. Removing it changes
    # nothing (deactivating is `active: false`, or a DELETE).
    "check_remove_attribute:active": "active cannot be unassigned",
}
# Not run: searching across resource types at the root (`POST /.search`) answers 501; we
# serve one resource type, searched at `POST /Users/.search`.
EXPECTED_SKIPS = {"search_with_attributes"}


class InProcessClient(BaseSyncSCIMClient):
    """A scim2-client whose requests run on the app in-process, on the test's event loop."""

    def __init__(
        self, client: httpx.AsyncClient, *, loop: asyncio.AbstractEventLoop, headers: dict[str, str]
    ) -> None:
        super().__init__()
        self.client = client
        self.loop = loop
        self.headers = headers

    def _stays_under_base_url(self, endpoint: str) -> bool:
        return endpoint.startswith("/") or endpoint.startswith(f"{self.client.base_url}/scim/v2/")

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if url.startswith("/"):
            url = f"/scim/v2{url}"
        kwargs["headers"] = {**self.headers, **(kwargs.get("headers") or {})}
        call = self.client.request(method, url, **kwargs)
        return asyncio.run_coroutine_threadsafe(call, self.loop).result(timeout=60)


def _name(result: CheckResult) -> str:
    urn = result.data.get("urn") if isinstance(result.data, dict) else None
    return f"{result.title}:{urn}" if urn else str(result.title)


async def test_scim2_tester_passes_every_check_but_the_known_ones(org: Org) -> None:
    client = InProcessClient(
        org.client, loop=asyncio.get_running_loop(), headers=org.auth(org.id, "entra-sync", "integration")
    )

    results = await asyncio.to_thread(check_server, client)

    failed = {
        _name(result): result.reason for result in results if result.status in (Status.ERROR, Status.CRITICAL)
    }
    assert set(failed) == set(KNOWN_FAILURES), failed
    skipped = {str(result.title) for result in results if result.status == Status.SKIPPED}
    assert skipped == EXPECTED_SKIPS
    passed = [result for result in results if result.status == Status.SUCCESS]
    # Discovery, CRUD, attribute selection and PATCH add/replace/remove of every attribute.
    assert len(passed) >= 60, [_name(result) for result in passed]
