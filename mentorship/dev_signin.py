"""The development sign-in: pick a demo person and a role, get a development token, back to the console.

`mentorship run` serves it at the gateway under `/dev/`
(`uvicorn --factory mentorship.dev_signin:create_app`).
It signs tokens with the development secret, exactly as `mentorship token` does, so it is for a
developer's own machine only: the app refuses to be created when ENVIRONMENT is `production`, and no
production gateway routes to it. Production consoles sign in with the organization's OpenID Connect
provider instead (docs/sign-in.md).
"""

from __future__ import annotations

import asyncio
import html
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from mentorship.api_options import DEFAULT_ORGANIZATION, admin_subject
from shared.auth import mint_dev_token
from shared.config import ServiceSettings
from shared.errors import install_problem_handlers

ROLES = ("mentee", "mentor", "admin")
TOKEN_TTL_SECONDS = 8 * 3600
PEOPLE_SHOWN = 40
# A match in one of these states pairs a person already (so a demo mentee without one can ask).
UNDER_WAY = frozenset({"proposed", "requested", "accepted", "active"})


@dataclass
class Member:
    """What a person is in the organization's programs: the role picked for them at sign-in, and
    per program its name, their role there and whether they have a match under way."""

    role: str
    programs: list[tuple[str, str, bool]] = field(default_factory=list)

    def describe(self) -> str:
        """E.g. "mentee in LLM engineering (no mentor yet)", for the list of people."""
        parts = []
        for name, role, paired in self.programs:
            wanted = "mentor" if role == "mentee" else "mentee"
            parts.append(f"{role} in {name}" + ("" if paired else f" (no {wanted} yet)"))
        return "; ".join(parts)


class ProductionRefused(RuntimeError):
    """The development sign-in was asked to run in production."""


def safe_return_path(value: str | None) -> str:
    """A path on this origin to go back to; anything else (another site, `//host`) becomes `/`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    if settings.environment == "production":
        raise ProductionRefused(
            "the development sign-in issues tokens signed with the development secret and cannot run "
            "with ENVIRONMENT=production; sign in with the organization's identity provider instead"
        )
    profiles_url = os.environ.get("PROFILES_URL", "http://127.0.0.1:8001")
    matching_url = os.environ.get("MATCHING_URL", "http://127.0.0.1:8002")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            httpx.AsyncClient(base_url=profiles_url, timeout=10, trust_env=False) as profiles,
            httpx.AsyncClient(base_url=matching_url, timeout=10, trust_env=False) as matching,
        ):
            app.state.profiles = profiles
            app.state.matching = matching
            yield

    app = FastAPI(
        title="Development sign-in",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    # Bad input (an unknown role, a missing person) is an RFC 9457 problem, as on every API.
    install_problem_handlers(app)

    def admin_headers(organization: str) -> dict[str, str]:
        token = mint_dev_token(
            subject=admin_subject(organization),
            organization=organization,
            roles=["admin"],
            ttl_seconds=300,
            settings=settings,
        )
        return {"Authorization": f"Bearer {token}"}

    async def people_of(
        organization: str, search: str
    ) -> tuple[list[dict[str, Any]], dict[str, Member], str]:
        """People of the organization (name search), what they are in its programs, and an error to
        show."""
        client: httpx.AsyncClient = app.state.profiles
        headers = admin_headers(organization)
        params: dict[str, Any] = {"limit": PEOPLE_SHOWN, "active": "true"}
        if search:
            params["q"] = search
        try:
            people, programs = await asyncio.gather(
                client.get("/v1/people", params=params, headers=headers),
                client.get("/v1/programs", params={"limit": 10}, headers=headers),
            )
        except httpx.TransportError:
            return [], {}, "The profiles API is not reachable: is `mentorship run` running?"
        if people.status_code != 200:
            return [], {}, f"Profiles answered {people.status_code}."
        members: dict[str, Member] = {}
        if programs.status_code == 200:
            listed = programs.json()["items"]
            enrollments, matched = await asyncio.gather(
                asyncio.gather(
                    *(
                        client.get(
                            f"/v1/programs/{program['id']}/enrollments",
                            params={"limit": 200},
                            headers=headers,
                        )
                        for program in listed
                    )
                ),
                with_a_match(organization, [str(program["id"]) for program in listed]),
            )
            for program, page in zip(listed, enrollments, strict=True):
                if page.status_code != 200:
                    continue
                for enrollment in page.json()["items"]:
                    person_id = str(enrollment["person_id"])
                    member = members.setdefault(person_id, Member(role=str(enrollment["role"])))
                    paired = person_id in matched.get(str(program["id"]), set())
                    member.programs.append((str(program["name"]), str(enrollment["role"]), paired))
        return list(people.json()["items"]), members, ""

    async def with_a_match(organization: str, program_ids: list[str]) -> dict[str, set[str]]:
        """Per program, the people with a match under way (proposed, requested, accepted, active);
        empty when matching does not answer (the page still works, without that hint)."""
        client: httpx.AsyncClient = app.state.matching
        headers = admin_headers(organization)

        async def one(program_id: str) -> set[str]:
            try:
                page = await client.get(
                    "/v1/matches", params={"program_id": program_id, "limit": 200}, headers=headers
                )
            except httpx.TransportError:
                return set()
            if page.status_code != 200:
                return set()
            return {
                str(match[side])
                for match in page.json()["items"]
                if match["status"] in UNDER_WAY
                for side in ("mentee_id", "mentor_id")
                if match.get(side)
            }

        found = await asyncio.gather(*(one(program_id) for program_id in program_ids))
        return dict(zip(program_ids, found, strict=True))

    @app.get("/dev/sign-in", response_class=HTMLResponse)
    async def sign_in_page(
        org: Annotated[str, Query(max_length=100)] = DEFAULT_ORGANIZATION,
        q: Annotated[str, Query(max_length=200)] = "",
        return_to: Annotated[str, Query(max_length=500)] = "/",
    ) -> HTMLResponse:
        people, members, error = await people_of(org, q.strip())
        return HTMLResponse(page(org, q, safe_return_path(return_to), people, members, error))

    @app.post("/dev/sign-in")
    async def sign_in(
        org: Annotated[str, Form(min_length=1, max_length=100)],
        person: Annotated[str, Form(min_length=1, max_length=200)],
        role: Annotated[str, Form(pattern="^(mentee|mentor|admin)$")],
        return_to: Annotated[str, Form(max_length=500)] = "/",
    ) -> RedirectResponse:
        subject = admin_subject(org) if person == "operator" else person
        token = mint_dev_token(
            subject=subject,
            organization=org,
            roles=[role],
            ttl_seconds=TOKEN_TTL_SECONDS,
            settings=settings,
        )
        # In the fragment: it never reaches a server log, and the console takes it from there.
        fragment = urlencode({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_TTL_SECONDS})
        return RedirectResponse(f"{safe_return_path(return_to)}#{fragment}", status_code=303)

    @app.get("/dev/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def page(
    organization: str,
    search: str,
    return_to: str,
    people: list[dict[str, Any]],
    members: dict[str, Member],
    error: str,
) -> str:
    e = html.escape
    rows = []
    for index, person in enumerate(people):
        person_id = str(person["id"])
        member = members.get(person_id)
        role = member.role if member else ""
        details = " · ".join(
            part
            for part in (
                member.describe() if member else "",
                person.get("title") or "",
                person.get("time_zone") or "",
            )
            if part
        )
        checked = " checked" if index == 0 else ""
        rows.append(
            f'<li><input type="radio" name="person" id="p{index}" value="{e(person_id)}" '
            f'data-role="{e(role)}"{checked}> <label for="p{index}"><strong>{e(person["name"])}</strong> '
            f'<span class="muted">{e(details)}</span></label></li>'
        )
    rows.append(
        f'<li><input type="radio" name="person" id="operator" value="operator" data-role="admin"'
        f'{"" if people else " checked"}> <label for="operator">'
        "<strong>The organization's operator</strong> "
        '<span class="muted">admin, not a participant</span></label></li>'
    )
    first = members.get(str(people[0]["id"])) if people else None
    first_role = (first.role if first else "mentee") if people else "admin"
    options = "".join(
        f'<option value="{role}"{" selected" if role == first_role else ""}>{role}</option>' for role in ROLES
    )
    notice = f'<p role="alert" class="error">{e(error)}</p>' if error else ""
    empty = (
        "<p>No people found. Seed the demo organization with <code>mentorship demo seed</code>.</p>"
        if not people and not error
        else ""
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development sign-in · Mentorship</title>
<style>
  body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1b1f; background: #f6f6f9; }}
  main {{ max-width: 40rem; margin: 0 auto; padding: 1rem; }}
  .banner {{ background: #fff4ce; border: 2px solid #8a6d00; padding: .75rem 1rem; border-radius: .5rem; }}
  fieldset {{ border: 1px solid #c8c8d0; border-radius: .5rem; margin: 1rem 0; background: #fff; }}
  ul {{ list-style: none; padding: 0; margin: 0; max-height: 24rem; overflow: auto; }}
  li {{ padding: .25rem 0; }}
  .muted {{ color: #55555f; }}
  .error {{ color: #9b1c1c; font-weight: 600; }}
  input, select, button {{ font: inherit; }}
  button {{ background: #3a3ad6; color: #fff; border: 0; border-radius: .375rem; padding: .5rem 1rem; }}
  :focus-visible {{ outline: 3px solid #1a1aa6; outline-offset: 2px; }}
</style>
</head>
<body>
<main>
<h1>Development sign-in</h1>
<p class="banner" role="note"><strong>Development only.</strong> This page signs tokens with the
development secret for any person you pick. It does not exist in production, where people sign in with
the organization's identity provider.</p>
<form method="get" action="/dev/sign-in">
  <fieldset>
    <legend>Organization and people</legend>
    <p><label for="org">Organization</label><br>
    <input id="org" name="org" value="{e(organization)}" required maxlength="100"></p>
    <p><label for="q">Find a person by name</label><br>
    <input id="q" name="q" type="search" value="{e(search)}" maxlength="200"></p>
    <input type="hidden" name="return_to" value="{e(return_to)}">
    <button type="submit">Find</button>
  </fieldset>
</form>
{notice}{empty}
<form method="post" action="/dev/sign-in">
  <input type="hidden" name="org" value="{e(organization)}">
  <input type="hidden" name="return_to" value="{e(return_to)}">
  <fieldset>
    <legend>Sign in as</legend>
    <ul>{"".join(rows)}</ul>
  </fieldset>
  <p><label for="role">Role</label><br><select id="role" name="role">{options}</select></p>
  <button type="submit">Sign in</button>
</form>
</main>
<script>
  // Picking a person picks the role they have in their program; the role can still be changed.
  for (const radio of document.querySelectorAll('input[name="person"]')) {{
    radio.addEventListener("change", () => {{
      if (radio.dataset.role) document.getElementById("role").value = radio.dataset.role;
    }});
  }}
</script>
</body>
</html>
"""
