"""Endpoints subscribe to event types with shell-style wildcards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webhooks.catalog import published_event_types
from webhooks.subscriptions import matches, pattern_problems, subscribed, unversioned

PERSON_UPDATED = "mentorship.profiles.person.updated.v1"
MATCH_ACCEPTED = "mentorship.matching.match.accepted.v1"


@pytest.mark.parametrize(
    ("pattern", "event_type", "expected"),
    [
        ("mentorship.matching.*", MATCH_ACCEPTED, True),
        ("mentorship.matching.*", PERSON_UPDATED, False),
        ("*.person.*", PERSON_UPDATED, True),
        ("*.person.*", MATCH_ACCEPTED, False),
        ("mentorship.profiles.person.updated", PERSON_UPDATED, True),
        ("mentorship.profiles.person.updated.v1", PERSON_UPDATED, True),
        ("mentorship.profiles.person.updated.v2", PERSON_UPDATED, False),
        ("mentorship.profiles.person.update?", PERSON_UPDATED, True),
        ("mentorship.profiles.person.?", PERSON_UPDATED, False),
        ("*", MATCH_ACCEPTED, True),
    ],
)
def test_patterns_match_full_or_unversioned_type_names(pattern: str, event_type: str, expected: bool) -> None:
    assert matches(pattern, event_type) is expected


def test_an_endpoint_is_subscribed_if_any_pattern_matches() -> None:
    assert subscribed(["mentorship.scheduling.*", "*.match.accepted"], MATCH_ACCEPTED)
    assert not subscribed(["mentorship.scheduling.*"], MATCH_ACCEPTED)
    assert not subscribed([], MATCH_ACCEPTED)


def test_unversioned_drops_only_the_version_suffix() -> None:
    assert unversioned(PERSON_UPDATED) == "mentorship.profiles.person.updated"
    assert unversioned("mentorship.profiles.person.updated") == "mentorship.profiles.person.updated"


@given(st.sampled_from(published_event_types()))
def test_every_published_type_can_be_subscribed_to_exactly_and_by_wildcard(event_type: str) -> None:
    service = event_type.split(".")[1]
    assert subscribed([event_type], event_type)
    assert subscribed([f"mentorship.{service}.*"], event_type)
    assert subscribed(["*"], event_type)


def test_malformed_patterns_and_patterns_matching_nothing_are_refused() -> None:
    catalog = published_event_types()
    problems = pattern_problems(
        ["mentorship.matching.*", "Mentorship.Matching.*", "mentorship.billing.*", "a b"], catalog
    )
    assert [index for index, _ in problems] == [1, 2, 3]
    assert "matches no event type" in problems[1][1]
