"""The fairness audit of self-identified attributes: only people who consented count, groups are
pseudonymous keys, and no report ever shows a group smaller than the minimum."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.fairness import AuditSubject, audit


def consenting(key: str, size: int, matched: int) -> list[AuditSubject]:
    return [
        AuditSubject(
            attributes={"department": "research"},
            identity_groups={"gender": key},
            matched=index < matched,
            score=0.7 if index < matched else None,
        )
        for index in range(size)
    ]


def not_consenting(size: int) -> list[AuditSubject]:
    return [AuditSubject(attributes={"department": "research"}, matched=True, score=0.9) for _ in range(size)]


def test_only_people_who_consented_count_grouped_by_pseudonymous_key() -> None:
    people = [*consenting("k1", 6, 6), *consenting("k2", 5, 2), *not_consenting(30)]
    result = audit(people, ["department"], min_group_size=5, self_identified=["gender"])
    department, gender = result.attributes
    assert not department.self_identified and department.subjects == 41
    assert gender.self_identified and gender.subjects == 11
    assert {group.group: (group.size, group.matched) for group in gender.groups} == {
        "k1": (6, 6),
        "k2": (5, 2),
    }
    assert gender.flagged_groups == ["k2"]  # 0.4 / 1.0 is below four fifths


def test_when_a_person_revokes_consent_the_next_audit_leaves_them_out() -> None:
    before = audit(
        consenting("k1", 6, 3) + consenting("k2", 5, 5), [], min_group_size=5, self_identified=["gender"]
    )
    assert [group.size for group in before.attributes[0].groups] == [6, 5]
    # One person of k2 revoked: they are no longer in k2; k2 (4) is withheld, and so is k1, else
    # k2's figures could be derived from the totals.
    revoked = consenting("k1", 6, 3) + consenting("k2", 4, 4) + not_consenting(1)
    after = audit(revoked, [], min_group_size=5, self_identified=["gender"]).attributes[0]
    assert after.subjects == 10 and after.groups == [] and after.suppressed_groups == 2


def test_too_few_consenting_people_show_nothing_at_all() -> None:
    result = audit(
        consenting("k1", 3, 1) + not_consenting(20), [], min_group_size=5, self_identified=["gender"]
    )
    gender = result.attributes[0]
    assert gender.groups == [] and gender.subjects == 0


@settings(max_examples=80, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 12), min_size=1, max_size=6),
    outsiders=st.integers(0, 10),
    min_group_size=st.integers(2, 8),
)
def test_a_report_never_shows_a_group_smaller_than_the_minimum_nor_lets_one_be_derived(
    sizes: list[int], outsiders: int, min_group_size: int
) -> None:
    people = [
        person for index, size in enumerate(sizes) for person in consenting(f"k{index}", size, size // 2)
    ]
    people += not_consenting(outsiders)
    gender = audit(people, [], min_group_size=min_group_size, self_identified=["gender"]).attributes[0]
    shown = sum(group.size for group in gender.groups)
    for group in gender.groups:
        assert group.size >= min_group_size
    hidden = sum(sizes) - shown
    # What is withheld is either nothing or at least a whole minimum group: never one person.
    assert hidden == 0 or hidden >= min_group_size or not gender.groups
