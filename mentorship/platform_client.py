"""An HTTP client of the platform's APIs, for the operator CLI and the end-to-end tests.

It speaks to each service on its own base URL (real ports, or in-process ASGI clients in tests),
signs development tokens locally for whoever acts (the organization's admin, or a mentor or mentee
answering for themself), and turns problem responses into `ApiError` with the problem's detail.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from mentorship.services import DEFAULT_PORT_BASE, names, select
from shared.auth import mint_dev_token
from shared.config import ServiceSettings

TOKEN_TTL_SECONDS = 3600
SCIM_JSON = "application/scim+json"

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who a call is made as: a token subject (a person id, or an admin's id) and its roles."""

    subject: str
    roles: tuple[str, ...]


class ApiError(RuntimeError):
    """A call answered with an unexpected status; `problem` is the RFC 9457 body when there is one."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text[:500]}
        self.problem: Document = body if isinstance(body, dict) else {"detail": str(body)}
        detail = self.problem.get("detail") or self.problem.get("title") or ""
        errors = self.problem.get("errors")
        if errors:
            detail = f"{detail} {errors}"
        request = response.request
        super().__init__(f"{request.method} {request.url.path}: {response.status_code} {detail}".strip())


def service_urls(*, base_url: str, port_base: int = DEFAULT_PORT_BASE) -> dict[str, str]:
    """Each service's base URL when the platform runs as `mentorship run --port-base port_base`."""
    base = base_url.rstrip("/")
    return {service.name: f"{base}:{service.api_port(port_base)}" for service in select()}


class PlatformClient:
    """Calls the platform's APIs in one organization, as its admin unless told to act as someone else."""

    def __init__(
        self,
        clients: Mapping[str, httpx.AsyncClient],
        *,
        organization: str,
        admin_subject: str | None = None,
        settings: ServiceSettings | None = None,
    ) -> None:
        missing = [name for name in names() if name not in clients]
        if missing:
            raise ValueError(f"no client for: {', '.join(missing)}")
        self.clients = dict(clients)
        self.organization = organization
        self.admin = Actor(admin_subject or str(uuid.uuid4()), ("admin",))
        self._settings = settings or ServiceSettings()
        self._tokens: dict[Actor, tuple[str, float]] = {}

    @classmethod
    @asynccontextmanager
    async def connect(
        cls,
        urls: Mapping[str, str],
        *,
        organization: str,
        admin_subject: str | None = None,
        timeout: float = 60.0,
    ) -> AsyncIterator[PlatformClient]:
        """A client of the services at `urls` (name -> base URL) over real HTTP."""
        async with AsyncExitStack() as stack:
            clients = {
                name: await stack.enter_async_context(
                    httpx.AsyncClient(base_url=url, timeout=timeout, limits=httpx.Limits(max_connections=32))
                )
                for name, url in urls.items()
            }
            yield cls(clients, organization=organization, admin_subject=admin_subject)

    # --- who acts ------------------------------------------------------------------------------

    @staticmethod
    def person(person_id: str, role: str) -> Actor:
        """A mentor or mentee acting for themself (`role`: mentor or mentee)."""
        return Actor(str(person_id), (role,))

    @staticmethod
    def integration(client_id: str = "hr-system") -> Actor:
        """The organization's HR integration (SCIM, bulk import)."""
        return Actor(client_id, ("integration",))

    def authorization(self, actor: Actor | None = None) -> dict[str, str]:
        """The Authorization header of `actor` (default: the admin), minted again near its expiry."""
        actor = actor or self.admin
        cached = self._tokens.get(actor)
        # time.time(), not a monotonic clock: a test that travels in time gets a token of that time.
        if cached is None or cached[1] - time.time() < 60 or cached[1] - time.time() > TOKEN_TTL_SECONDS:
            token = mint_dev_token(
                subject=actor.subject,
                organization=self.organization,
                roles=list(actor.roles),
                ttl_seconds=TOKEN_TTL_SECONDS,
                settings=self._settings,
            )
            cached = (token, time.time() + TOKEN_TTL_SECONDS)
            self._tokens[actor] = cached
        return {"Authorization": f"Bearer {cached[0]}"}

    # --- plumbing --------------------------------------------------------------------------------

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        actor: Actor | None = None,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Iterable[int] = (200, 201, 204),
    ) -> httpx.Response:
        """One request to `service`; raises ApiError unless the status is one of `expect`."""
        response = await self.clients[service].request(
            method,
            path,
            json=json,
            content=content,
            params={k: v for k, v in (params or {}).items() if v is not None},
            headers={**self.authorization(actor), **(headers or {})},
        )
        if response.status_code not in set(expect):
            raise ApiError(response)
        return response

    async def document(self, service: str, method: str, path: str, **options: Any) -> Document:
        body = (await self.call(service, method, path, **options)).json()
        return dict(body)

    async def pages(
        self,
        service: str,
        path: str,
        *,
        actor: Actor | None = None,
        params: Mapping[str, Any] | None = None,
        limit: int = 200,
    ) -> list[Document]:
        """Every item of a cursor-paginated list."""
        items: list[Document] = []
        cursor: str | None = None
        while True:
            page = await self.document(
                service, "GET", path, actor=actor, params={**(params or {}), "limit": limit, "cursor": cursor}
            )
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    @staticmethod
    def _idempotent(key: str | None) -> dict[str, str]:
        return {"Idempotency-Key": key} if key else {}

    @staticmethod
    def _if_match(version: int | None) -> dict[str, str]:
        return {"If-Match": f'"{version}"'} if version is not None else {}

    # --- profiles --------------------------------------------------------------------------------

    async def create_person(self, body: Mapping[str, Any], *, key: str | None = None) -> Document:
        return await self.document(
            "profiles", "POST", "/v1/people", json=dict(body), headers=self._idempotent(key)
        )

    async def get_person(self, person_id: str) -> Document:
        return await self.document("profiles", "GET", f"/v1/people/{person_id}")

    async def list_people(self, **filters: Any) -> list[Document]:
        return await self.pages("profiles", "/v1/people", params=filters)

    async def update_person(self, person_id: str, changes: Mapping[str, Any]) -> Document:
        """Change a profile (reads its current version first, as an editor would)."""
        current = await self.get_person(person_id)
        return await self.document(
            "profiles",
            "PATCH",
            f"/v1/people/{person_id}",
            json=dict(changes),
            headers=self._if_match(current["version"]),
        )

    async def deactivate_person(self, person_id: str) -> Document:
        return await self.document("profiles", "POST", f"/v1/people/{person_id}/deactivate")

    async def create_program(self, body: Mapping[str, Any], *, key: str | None = None) -> Document:
        return await self.document(
            "profiles", "POST", "/v1/programs", json=dict(body), headers=self._idempotent(key)
        )

    async def list_programs(self, **filters: Any) -> list[Document]:
        return await self.pages("profiles", "/v1/programs", params=filters)

    async def enroll(
        self, program_id: str, person_id: str, role: str, *, key: str | None = None, **fields: Any
    ) -> Document:
        return await self.document(
            "profiles",
            "POST",
            f"/v1/programs/{program_id}/enrollments",
            json={"person_id": str(person_id), "role": role, **fields},
            headers=self._idempotent(key),
        )

    async def list_enrollments(self, program_id: str, **filters: Any) -> list[Document]:
        return await self.pages("profiles", f"/v1/programs/{program_id}/enrollments", params=filters)

    async def scim_deactivate(self, person_id: str, *, actor: Actor | None = None) -> Document:
        """What an HR system's SCIM client sends when someone leaves: PATCH `active: false`."""
        patch = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        return await self.document(
            "profiles",
            "PATCH",
            f"/scim/v2/Users/{person_id}",
            actor=actor or self.integration(),
            json=patch,
            headers={"Content-Type": SCIM_JSON},
        )

    async def import_people(self, *, content: bytes, media_type: str, dry_run: bool) -> Document:
        """Upload an HR export (CSV or JSON, as the request body); the answer is the import job."""
        return await self.document(
            "profiles",
            "POST",
            "/v1/imports/people",
            content=content,
            headers={"Content-Type": media_type},
            params={"dry_run": str(dry_run).lower()},
        )

    async def get_import(self, location: str) -> Document:
        return await self.document("profiles", "GET", location)

    # --- matching --------------------------------------------------------------------------------

    async def suggestions(
        self, program_id: str, mentee_id: str, *, limit: int | None = None
    ) -> list[Document]:
        body = await self.document(
            "matching",
            "GET",
            f"/v1/programs/{program_id}/suggestions",
            params={"mentee_id": mentee_id, "limit": limit},
            expect=(200,),
        )
        return list(body["items"])

    async def create_round(self, program_id: str, **options: Any) -> Document:
        return await self.document("matching", "POST", f"/v1/programs/{program_id}/rounds", json=options)

    async def list_rounds(self, program_id: str) -> list[Document]:
        return await self.pages("matching", f"/v1/programs/{program_id}/rounds")

    async def proposals(self, round_id: str) -> list[Document]:
        return await self.pages("matching", f"/v1/rounds/{round_id}/proposals")

    async def publish_round(self, round_id: str) -> Document:
        return await self.document("matching", "POST", f"/v1/rounds/{round_id}/publish")

    async def list_matches(self, **filters: Any) -> list[Document]:
        return await self.pages("matching", "/v1/matches", params=filters)

    async def get_match(self, match_id: str) -> Document:
        return await self.document("matching", "GET", f"/v1/matches/{match_id}")

    async def accept_match(self, match_id: str, *, actor: Actor | None = None) -> Document:
        return await self.document("matching", "POST", f"/v1/matches/{match_id}/accept", actor=actor)

    async def request_mentor(
        self, program_id: str, mentor_id: str, *, mentee: Actor, message: str | None = None
    ) -> Document:
        return await self.document(
            "matching",
            "POST",
            f"/v1/programs/{program_id}/requests",
            actor=mentee,
            json={"mentor_id": str(mentor_id), "message": message},
        )

    # --- scheduling ------------------------------------------------------------------------------

    async def update_scheduling_policy(self, **changes: Any) -> Document:
        """Change some of the organization's scheduling policy (the rest stays as it is)."""
        current = await self.document("scheduling", "GET", "/v1/scheduling-policy")
        version = current.pop("version")
        return await self.document(
            "scheduling",
            "PUT",
            "/v1/scheduling-policy",
            json={**current, **changes},
            headers=self._if_match(version),
        )

    async def get_mentorship(self, mentorship_id: str, *, actor: Actor | None = None) -> Document:
        return await self.document("scheduling", "GET", f"/v1/mentorships/{mentorship_id}", actor=actor)

    async def list_mentorships(self, **filters: Any) -> list[Document]:
        return await self.pages("scheduling", "/v1/mentorships", params=filters)

    async def slots(
        self, mentorship_id: str, *, actor: Actor | None = None, start: str | None = None, limit: int = 20
    ) -> list[Document]:
        body = await self.document(
            "scheduling",
            "GET",
            f"/v1/mentorships/{mentorship_id}/slots",
            actor=actor,
            params={"from": start, "limit": limit},
        )
        return list(body["items"])

    async def book_session(
        self, mentorship_id: str, booking: Mapping[str, Any], *, actor: Actor | None = None
    ) -> Document:
        return await self.document(
            "scheduling", "POST", f"/v1/mentorships/{mentorship_id}/sessions", actor=actor, json=dict(booking)
        )

    async def complete_session(self, session: Mapping[str, Any], *, actor: Actor | None = None) -> Document:
        return await self.document(
            "scheduling",
            "POST",
            f"/v1/sessions/{session['id']}/complete",
            actor=actor,
            headers=self._if_match(session["version"]),
        )

    async def get_session(self, session_id: str) -> Document:
        return await self.document("scheduling", "GET", f"/v1/sessions/{session_id}")

    async def list_sessions(self, **filters: Any) -> list[Document]:
        return await self.pages("scheduling", "/v1/sessions", params=filters)

    # --- feedback --------------------------------------------------------------------------------

    async def feedback_requests(self, *, actor: Actor | None = None, **filters: Any) -> list[Document]:
        return await self.pages("feedback", "/v1/feedback-requests", actor=actor, params=filters)

    async def submit_feedback(
        self, request_id: str, answers: Mapping[str, Any], *, actor: Actor | None = None
    ) -> Document:
        return await self.document(
            "feedback",
            "POST",
            f"/v1/feedback-requests/{request_id}/submission",
            actor=actor,
            json={"answers": dict(answers)},
        )

    async def analytics(self, program_id: str) -> Document:
        return await self.document("feedback", "GET", f"/v1/programs/{program_id}/analytics")

    # --- webhooks --------------------------------------------------------------------------------

    async def create_endpoint(self, url: str, event_types: list[str], **fields: Any) -> Document:
        return await self.document(
            "webhooks", "POST", "/v1/endpoints", json={"url": url, "event_types": event_types, **fields}
        )

    # --- privacy ---------------------------------------------------------------------------------

    async def request_export(self, person_id: str | None = None, *, actor: Actor | None = None) -> Document:
        """Ask for everything the platform holds on a person (the caller's own when `person_id` is None)."""
        body = {"person_id": person_id} if person_id is not None else {}
        return await self.document("privacy", "POST", "/v1/exports", actor=actor, json=body, expect=(202,))

    async def get_export(self, export_id: str, *, actor: Actor | None = None) -> Document:
        return await self.document("privacy", "GET", f"/v1/exports/{export_id}", actor=actor)

    async def download_export(self, export_id: str, *, actor: Actor | None = None) -> bytes:
        """The export's archive (a zip), once it is ready."""
        return (await self.call("privacy", "GET", f"/v1/exports/{export_id}/archive", actor=actor)).content

    async def request_erasure(self, person_id: str, *, actor: Actor | None = None) -> Document:
        """Erase a deactivated person everywhere (asking again answers the same erasure)."""
        return await self.document(
            "privacy", "POST", "/v1/erasures", actor=actor, json={"person_id": person_id}, expect=(200, 202)
        )

    async def get_erasure(self, erasure_id: str) -> Document:
        return await self.document("privacy", "GET", f"/v1/erasures/{erasure_id}")

    async def audit_entries(self, **filters: Any) -> list[Document]:
        """The organization's audit trail, newest first (filters: resource_type, resource_id, actor_id,
        actor_type, service, action, since, until)."""
        return await self.pages("privacy", "/v1/audit-entries", params=filters)
