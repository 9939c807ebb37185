"""The small httpx layer under the generated clients: base URL per service, the bearer token, JSON in
and out, models parsed with pydantic, and every error answer raised as a typed RFC 9457 problem."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError


class FieldError(BaseModel):
    field: str
    message: str
    type: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, as every API answers errors (`application/problem+json`)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = []


class ProblemError(Exception):
    """An API answered with an error; `problem` says which (status, stable type, offending fields)."""

    def __init__(self, problem: Problem, response: httpx.Response) -> None:
        super().__init__(f"{problem.status} {problem.title}: {problem.detail or ''}".strip())
        self.problem = problem
        self.response = response


class Transport:
    """Calls one platform (the gateway at `base_url`) as the holder of `token`."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | Callable[[], str] | None = None,
        client: httpx.AsyncClient | None = None,
        prefix: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.prefix = prefix
        self._token = token
        self._client = client or httpx.AsyncClient(timeout=30)
        self._owns_client = client is None

    def at(self, service: str) -> Transport:
        """The same platform and token, for the service at `/<service>`."""
        transport = Transport(self.base_url, token=self._token, client=self._client, prefix=f"/{service}")
        transport._owns_client = False
        return transport

    def _headers(self, extra: Mapping[str, Any] | None) -> dict[str, str]:
        headers = {name: str(value) for name, value in (extra or {}).items() if value is not None}
        token = self._token() if callable(self._token) else self._token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        model: Any = None,
        binary: bool = False,
    ) -> Any:
        """Send one request; the answer parsed as `model` (raw bytes if `binary`), or ProblemError."""
        sent_headers = self._headers(headers)
        if content_type:
            sent_headers["Content-Type"] = content_type
        if isinstance(json, BaseModel):
            json = json.model_dump(mode="json", exclude_unset=True)
        query = {name: value for name, value in (params or {}).items() if value is not None}
        response = await self._client.request(
            method,
            f"{self.base_url}{self.prefix}{path}",
            params=query,
            headers=sent_headers,
            json=json,
            content=content,
        )
        if response.status_code >= 400:
            raise ProblemError(_problem(response), response)
        if binary:
            return response.content
        if response.status_code == 204 or not response.content:
            return None
        document = response.json()
        if model is None:
            return document
        return TypeAdapter(model).validate_python(document)

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _problem(response: httpx.Response) -> Problem:
    try:
        return Problem.model_validate(response.json())
    except (ValueError, ValidationError):
        return Problem(title=response.reason_phrase or "Error", status=response.status_code, detail=response.text[:500])
