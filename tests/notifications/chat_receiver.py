"""A real HTTP server on 127.0.0.1 standing in for Slack and Microsoft Teams.

It answers Slack's Web API methods (`users.lookupByEmail`, `conversations.open`,
`chat.postMessage`) for a workspace whose members it is told, and incoming webhooks (Slack's and
Teams') on paths it hands out; every request is kept for the tests to read.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.toolkit import eventually


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        if self.headers.get("content-type", "").startswith("application/json"):
            return {key: str(value) for key, value in json.loads(self.body or b"{}").items()}
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ChatReceiver:
    # Slack members by email -> user id; `None` means the token may not look people up.
    members: dict[str, str] | None = field(default_factory=dict)
    # Status codes for the next webhook requests, then 200.
    webhook_statuses: list[int] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # Slack's read methods (users.lookupByEmail) take a query string
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                headers["content-type"] = "application/x-www-form-urlencoded"
                self._reply(Request(path, headers, query.encode()))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                if query and not body:  # parameters in the query string of a POST
                    headers["content-type"], body = "application/x-www-form-urlencoded", query.encode()
                self._reply(Request(path, headers, body))

            def _reply(self, request: Request) -> None:
                receiver.requests.append(request)
                status, reply = receiver._answer(request)
                payload = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header(
                    "content-type", "application/json" if not isinstance(reply, bytes) else "text/plain"
                )
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.slack_api_url = f"{self.base_url}/api/"

    def _answer(self, request: Request) -> tuple[int, Any]:
        if request.path.startswith("/hooks/"):
            status = self.webhook_statuses.pop(0) if self.webhook_statuses else 200
            return status, b"ok" if status == 200 else b"try later"
        method = request.path.removeprefix("/api/")
        form = request.form()
        if method == "users.lookupByEmail":
            if self.members is None:
                return 200, {"ok": False, "error": "missing_scope"}
            user = self.members.get(form.get("email", ""))
            return 200, {"ok": True, "user": {"id": user}} if user else {
                "ok": False,
                "error": "users_not_found",
            }
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": f"D{form['users']}"}}
        if method == "chat.postMessage":
            return 200, {"ok": True, "channel": form.get("channel"), "ts": "1700000000.000100"}
        return 404, {"ok": False, "error": "unknown_method"}

    def webhook(self) -> str:
        return f"{self.base_url}/hooks/{uuid.uuid4().hex}"

    def posts(self, path_prefix: str) -> list[Request]:
        return [request for request in self.requests if request.path.startswith(path_prefix)]

    async def wait_for(self, path_prefix: str, count: int = 1, *, timeout: float = 15.0) -> list[Request]:
        async def arrived() -> list[Request] | None:
            found = self.posts(path_prefix)
            return found if len(found) >= count else None

        return await eventually(arrived, timeout=timeout, what=f"{count} requests to {path_prefix}")

    @contextlib.contextmanager
    def running(self) -> Iterator[ChatReceiver]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
