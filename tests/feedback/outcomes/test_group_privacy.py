"""Group reports under the fairness audit's rules: no group under the minimum size, complementary
suppression, and no row (in any table) about one person."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from feedback.outcomes.groups import SUPPRESSED, group_rates
from feedback.outcomes.report import build_report
from feedback.outcomes.tables import TableName
from shared.groups import suppress
from shared.responses import dumps
from tests.feedback.outcomes.histories import RULES, organization_history

NOW = datetime(2026, 12, 1, 6, tzinfo=UTC)


def test_small_groups_are_withheld_and_so_is_the_smallest_other_when_the_rest_would_tell() -> None:
    groups = ["a"] * 30 + ["b"] * 7 + ["c"] * 3 + ["d"] * 12
    rows = group_rates(
        attribute="department",
        measure="match_rate",
        groups=groups,
        outcomes=[index % 2 == 0 for index in range(len(groups))],
        min_group_size=5,
        min_size=20,
        confidence=0.95,
    )
    shown = {row.group: row for row in rows if row.group is not None}
    # "c" (3) is too small; 3 alone could be recovered from the total, so "b" (7) goes too.
    assert set(shown) == {"a", "d"}
    assert shown["a"].status == "ok" and shown["a"].value is not None
    assert shown["d"].status == "not_enough_data" and shown["d"].size == 12 and shown["d"].value is None
    (withheld,) = [row for row in rows if row.group is None]
    assert withheld.status == SUPPRESSED and withheld.size is None and withheld.suppressed_groups == 2


def test_below_the_minimum_in_total_nothing_is_shown() -> None:
    rows = group_rates(
        attribute="seniority",
        measure="retention_365d",
        groups=["junior", "senior", "senior", "mid"],
        outcomes=[True, False, True, True],
        min_group_size=5,
        min_size=20,
        confidence=0.95,
    )
    assert [(row.group, row.status, row.size) for row in rows] == [(None, SUPPRESSED, None)]


def test_complementary_suppression_leaves_no_recoverable_remainder() -> None:
    sizes = {"a": 40, "b": 6, "c": 2, "d": 1, "e": 9}
    hidden = suppress(sizes, 5)
    assert {"c", "d"} <= hidden
    assert sum(sizes[group] for group in hidden) >= 5
    assert all(sizes[group] >= 5 for group in sizes if group not in hidden)


def test_reports_hold_no_row_about_a_person_and_no_group_under_the_minimum() -> None:
    history = organization_history(people=1500, participants=500, seed=9)
    report = build_report(history, RULES, computed_at=NOW)
    groups = report.tables[TableName.GROUPS]
    assert groups and {row["scope"] for row in groups} == {"organization", "program"}
    assert {row["attribute"] for row in groups} == set(RULES.group_attributes)
    for row in groups:
        assert row["status"] == SUPPRESSED or row["size"] >= RULES.min_group_size
        if row["status"] == SUPPRESSED:
            assert row["size"] is None and row["value"] is None and row["group"] is None
    # No person's id anywhere in the report: every table, and the dashboard.
    people = {str(e.person_id) for e in history.enrollments} | {str(p) for p in history.careers.people}
    program_ids = {str(p.id) for p in history.programs}
    text = dumps({"tables": report.tables, "dashboard": report.dashboard}).decode()
    found = {
        token.strip('"')
        for token in text.replace(",", " ").replace(":", " ").split()
        if token.count("-") == 4
    }
    ids = {token for token in found if _is_uuid(token)}
    assert ids and ids <= program_ids
    assert not ids & people


def test_groups_follow_the_organization_s_attributes() -> None:
    history = organization_history(people=800, participants=250, seed=10)
    rules = RULES.__class__(
        **{**RULES.__dict__, "group_attributes": ("time_zone_region",), "min_group_size": 40}
    )
    report = build_report(history, rules, computed_at=NOW)
    groups = report.tables[TableName.GROUPS]
    assert {row["attribute"] for row in groups} == {"time_zone_region"}
    assert all(row["size"] is None or row["size"] >= 40 for row in groups)


def _is_uuid(token: str) -> bool:
    try:
        uuid.UUID(token)
    except ValueError:
        return False
    return True
