"""The development sign-in without a browser: where it sends the browser back to, what the token it
hands over says, and that bad input is an RFC 9457 problem. (The page itself, listing people with
what they are in the programs, is driven in Chromium by test_console.py.)"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from mentorship.dev_signin import Member, ProductionRefused, create_app, safe_return_path
from shared.auth import TokenVerifier
from shared.config import ServiceSettings


def test_the_development_sign_in_cannot_run_in_production() -> None:
    with pytest.raises(ProductionRefused, match="cannot run"):
        create_app(ServiceSettings(environment="production", jwt_secret="x" * 40))


@pytest.mark.parametrize(
    ("asked", "sent_to"),
    [
        ("/", "/"),
        ("/admin/programs/7?tab=round", "/admin/programs/7?tab=round"),
        ("//evil.example/steal", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("admin", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_it_sends_the_browser_back_only_to_a_path_of_its_own_origin(asked: str | None, sent_to: str) -> None:
    assert safe_return_path(asked) == sent_to


async def test_signing_in_hands_the_console_a_development_token_for_that_person_in_the_fragment() -> None:
    settings = ServiceSettings(environment="development")
    form = {"org": "acme", "person": "person-1", "role": "mentee", "return_to": "//evil.example/x"}
    with TestClient(create_app(settings)) as client:
        response = client.post("/dev/sign-in", data=form, follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert (location.scheme, location.netloc, location.path, location.query) == ("", "", "/", "")
    fragment = parse_qs(location.fragment)  # never sent to a server, so never in a log
    assert fragment["token_type"] == ["Bearer"]
    principal = await TokenVerifier(settings).verify(fragment["access_token"][0])
    assert (principal.subject, principal.organization, sorted(principal.roles)) == (
        "person-1",
        "acme",
        ["mentee"],
    )


def test_an_unknown_role_or_a_missing_person_is_a_problem() -> None:
    with TestClient(create_app(ServiceSettings(environment="development"))) as client:
        unknown = client.post("/dev/sign-in", data={"org": "acme", "person": "p", "role": "root"})
        missing = client.post("/dev/sign-in", data={"org": "acme", "role": "mentee"})
    for response in (unknown, missing):
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in unknown.json()["errors"]] == ["body.role"]


def test_the_list_of_people_says_who_still_needs_a_mentor_or_a_mentee() -> None:
    member = Member(role="mentor")
    member.programs += [("LLM engineering", "mentor", True), ("AI onboarding", "mentor", False)]
    assert member.describe() == "mentor in LLM engineering; mentor in AI onboarding (no mentee yet)"
    assert Member("mentee", [("LLM engineering", "mentee", False)]).describe() == (
        "mentee in LLM engineering (no mentor yet)"
    )
