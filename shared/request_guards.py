"""What every API checks before it reads a request body: who is sending it, and its size.

FastAPI parses a request's body before it resolves the route's dependencies, so without this an
anonymous 12 MB JSON body was parsed in full only to be answered 401. Writes (requests with a body)
are authenticated first, here; the verified principal is kept for the route's own dependency.
Bodies are bounded by a small default and larger limits on the path prefixes that need them
(imports), whether they announce their length or stream it. (Starlette's own body limit answers a
declared oversize body with plain text, replacing any response: our clients get RFC 9457 problems.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import TokenVerifier, bearer_token
from shared.errors import PROBLEM_JSON, Problem
from shared.text import CONTROL_CHARACTERS as _CONTROL

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The platform's own operational endpoints: never behind a token.
OPERATIONS = frozenset({"/healthz", "/readyz", "/metrics"})


def route_path(scope: Scope) -> str:
    """The request's path below the app's root path (what its routes are declared with)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


async def send_problem(scope: Scope, send: Send, problem: Problem) -> None:
    """Answer with an RFC 9457 problem from ASGI middleware (before any route ran)."""
    from shared.responses import dumps

    body = dumps(problem.body(instance=route_path(scope)))
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(key.lower().encode(), value.encode()) for key, value in (problem.headers or {}).items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """The body grew past its route's limit while being read."""


@dataclass
class RequestGuard:
    """ASGI middleware: a write without a valid bearer token is a 401 before its body is read, and
    a body over its limit is a 413.

    `body_limits` maps path prefixes (below the root path) to their own limit in bytes; `public`
    holds path patterns whose writes need no token (e.g. an emailed one-click unsubscribe).
    """

    app: ASGIApp
    max_body_bytes: int
    body_limits: Mapping[str, int] = field(default_factory=dict)
    public: Iterable[str] = ()

    def __post_init__(self) -> None:
        self._public = [re.compile(pattern) for pattern in self.public]
        # Longest prefix first, so a route's own limit wins over its parent path's.
        self._limits = sorted(self.body_limits.items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        for prefix, limit in self._limits:
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = _control_characters_in_query(scope)
        if refused is not None:
            await send_problem(scope, send, refused)
            return
        if scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        if path in OPERATIONS:
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await send_problem(scope, send, _too_large(limit))
            return
        if not any(pattern.fullmatch(path) for pattern in self._public):
            problem = await authenticate_early(scope)
            if problem is not None:
                await send_problem(scope, send, problem)
                return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await send_problem(scope, send, _too_large(limit))


def _control_characters_in_query(scope: Scope) -> Problem | None:
    """A 422 naming the first query parameter holding a control character (a NUL byte would
    otherwise reach PostgreSQL, which refuses it), for every route at once."""
    raw: bytes = scope.get("query_string", b"")
    if not raw:
        return None
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            message = "must not contain control characters (such as NUL)"
            return Problem(
                422,
                "the request has invalid fields",
                slug="validation-error",
                errors=[{"field": f"query.{name[:100]}", "message": message, "type": "value_error"}],
            )
    return None


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(limit: int) -> Problem:
    return Problem(413, f"the request body is larger than {limit} bytes", slug="payload-too-large")


async def authenticate_early(scope: Scope) -> Problem | None:
    """Verify the request's bearer token now (kept in the request state for the route); a problem
    if there is none or it is not valid."""
    request = Request(scope)
    if getattr(request.state, "principal", None) is not None:
        return None
    token = bearer_token(request)
    if token is None:
        return Problem(
            401, "a bearer token is required", slug="unauthorized", headers={"WWW-Authenticate": "Bearer"}
        )
    verifier: TokenVerifier = scope["app"].state.token_verifier
    try:
        request.state.principal = await verifier.verify(token)
    except Problem as problem:
        return problem
    return None
