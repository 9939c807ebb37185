"""Fairness audit figures: aggregates only, minimum group size, complementary suppression, 4/5 rule."""

from __future__ import annotations

from matching.fairness import AuditSubject, audit, audit_attribute, region_of, suppress


def subjects(group: str, size: int, matched: int) -> list[AuditSubject]:
    return [
        AuditSubject(
            attributes={"department": group}, matched=index < matched, score=0.8 if index < matched else None
        )
        for index in range(size)
    ]


def test_groups_below_four_fifths_of_the_best_match_rate_are_flagged() -> None:
    result = audit_attribute("department", [*subjects("a", 10, 10), *subjects("b", 10, 7)], min_group_size=5)
    by_group = {group.group: group for group in result.groups}
    assert by_group["b"].ratio_to_best == 0.7 and by_group["b"].flagged
    assert not by_group["a"].flagged and result.flagged_groups == ["b"]


def test_small_groups_are_suppressed_and_one_more_when_the_remainder_could_be_derived() -> None:
    assert suppress({"a": 20, "b": 8, "c": 6, "tiny": 2}, 5) == {"tiny", "c"}
    assert suppress({"a": 20, "b": 3, "c": 3}, 5) == {"b", "c"}  # together 6: safe
    assert suppress({"a": 20, "b": 9}, 5) == set()


def test_a_population_below_the_minimum_shows_nothing() -> None:
    result = audit(subjects("a", 3, 1), ["department"], min_group_size=5)
    assert (result.subjects, result.matched, result.match_rate) == (0, 0, None)
    assert result.attributes[0].groups == []


def test_acceptance_rate_counts_answered_offers_only() -> None:
    people = [
        AuditSubject(attributes={"department": "a"}, matched=True, accepted=1, decided=2),
        *[AuditSubject(attributes={"department": "a"}, matched=False) for _ in range(4)],
    ]
    [group] = audit_attribute("department", people, min_group_size=5).groups
    assert group.acceptance_rate == 0.5 and group.match_rate == 0.2


def test_regions_come_from_iana_zones() -> None:
    assert region_of("Europe/Berlin") == "Europe"
    assert region_of("America/Argentina/Buenos_Aires") == "America"
    assert region_of("UTC") is None and region_of("Etc/GMT+3") is None
