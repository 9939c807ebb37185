"""Wording (pure): every kind renders in its languages with English fallback, HTML escapes what
people wrote, and an organization's override is refused when saved if it has a syntax error, an
unknown variable or reaches outside the sandbox, with the line; one-click unsubscribe tokens."""

from __future__ import annotations

import uuid

import pytest

from notifications.kinds import KINDS
from notifications.rendering import Override, check_override, render, sample_context
from notifications.unsubscribe_tokens import make_token, read_token


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("language", ["en", "fr", "pt-BR"])
def test_every_kind_renders_a_subject_text_and_html_in_every_language(kind: str, language: str) -> None:
    rendered = render(kind, sample_context(kind), language=language, time_zone="Asia/Tokyo")
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text and rendered.html.startswith("<!DOCTYPE html>")


def test_names_are_escaped_in_html_and_dates_follow_the_readers_locale_and_zone() -> None:
    context = {**sample_context("session_booked"), "other_name": "<script>x</script>", "location": None}
    english = render("session_booked", context, language="en", time_zone="America/New_York")
    assert "&lt;script&gt;" in english.html and "<script>" not in english.html
    assert "<script>x</script>" in english.text  # plain text is not HTML
    assert "Monday, March 9, 2026, 10:00" in english.text and "(EDT)" in english.text
    french = render("session_booked", context, language="fr", time_zone="Europe/Paris")
    assert "lundi 9 mars 2026, 15:00" in french.text


def test_an_override_with_a_syntax_error_or_an_unknown_variable_is_refused_with_its_line() -> None:
    problems = check_override(
        "session_booked",
        Override(
            "Session {{ session_start|date }}", "Hello {{ recipient_name }}\nSee {{ secret }}", "{% if %}"
        ),
    )
    assert [(p.part, p.line) for p in problems] == [("text", 2), ("html", 1)]
    assert "unknown variable 'secret'" in problems[0].message and "syntax error" in problems[1].message


def test_an_override_cannot_reach_outside_the_sandbox() -> None:
    [problem] = check_override("match_proposed", Override("{{ other_name.__class__.__mro__ }}", "x", "y"))
    assert problem.part == "subject" and "unsafe" in problem.message


def test_a_valid_override_renders_in_place_of_the_built_in_wording() -> None:
    override = Override("Meet {{ other_name }}", "Hi {{ recipient_name }}!", "<p>Hi {{ recipient_name }}</p>")
    assert check_override("match_proposed", override) == []
    rendered = render("match_proposed", {**sample_context("match_proposed"), "recipient_name": "Ada & co"},
                      language="en", time_zone="UTC", override=override)  # fmt: skip
    assert rendered.subject == "Meet <other_name>" and "Ada &amp; co" in rendered.html


def test_an_unsubscribe_token_names_one_person_and_kind_and_cannot_be_forged() -> None:
    person = uuid.uuid4()
    token = make_token(b"secret", person_id=person, kind="session_reminder")
    assert read_token(b"secret", token) == (person, "session_reminder")
    assert read_token(b"another secret", token) is None
    _, signature = token.split(".")
    forged = (
        make_token(b"guess", person_id=uuid.uuid4(), kind="session_reminder").split(".")[0] + "." + signature
    )
    assert read_token(b"secret", forged) is None
    assert read_token(b"secret", "not-a-token") is None
