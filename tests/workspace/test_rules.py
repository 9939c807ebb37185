"""The workspace's pure rules, without I/O: local dates, signatures, attainment, when a workspace is
open, and the templates the platform ships."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.contracts.profiles import ProgramObjective
from shared.contracts.workspace import GuidanceKind
from workspace import goal_templates, local_dates
from workspace.agreements import DEFAULT_TEMPLATE, SECTIONS, Signatures, from_template
from workspace.attainment import Tally
from workspace.models import ClosedReason, WorkspaceStatus
from workspace.service.workspaces import decide_status


def test_today_and_the_end_of_a_due_date_are_where_the_person_lives() -> None:
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert local_dates.today_in("Pacific/Kiritimati", moment) == date(2026, 3, 2)
    assert local_dates.today_in("America/Los_Angeles", moment) == date(2026, 3, 1)
    assert local_dates.today_in("Not/AZone", moment) == date(2026, 3, 1)
    assert local_dates.end_of_day(date(2026, 3, 1), "Europe/Paris") == datetime(2026, 3, 1, 23, tzinfo=UTC)
    # The day the clocks change is 23 hours long in Paris.
    assert local_dates.end_of_day(date(2026, 3, 29), "Europe/Paris") == datetime(2026, 3, 29, 22, tzinfo=UTC)


def test_done_on_the_target_day_in_ones_own_zone_is_on_time() -> None:
    late_evening_in_tokyo = datetime(2026, 5, 10, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    assert local_dates.on_time(late_evening_in_tokyo, date(2026, 5, 10), "Asia/Tokyo") is True
    assert (
        local_dates.on_time(late_evening_in_tokyo + timedelta(hours=2), date(2026, 5, 10), "Asia/Tokyo")
        is False
    )
    assert local_dates.on_time(None, date(2026, 5, 10), "UTC") is None
    assert local_dates.on_time(late_evening_in_tokyo, None, "UTC") is None


@settings(max_examples=60)
@given(
    version=st.integers(0, 5),
    mentor=st.one_of(st.none(), st.integers(0, 5)),
    mentee=st.one_of(st.none(), st.integers(0, 5)),
)
def test_an_agreement_is_signed_only_when_both_signed_its_current_version(
    version: int, mentor: int | None, mentee: int | None
) -> None:
    signatures = Signatures(version=version, mentor_signed_version=mentor, mentee_signed_version=mentee)
    assert signatures.signed == (mentor == version and mentee == version)
    status = signatures.status(stored=True)
    assert (status == "signed") == signatures.signed
    assert (status == "draft") == (mentor != version and mentee != version)


def test_an_agreement_starts_with_every_section() -> None:
    assert list(from_template(None)) == list(SECTIONS)
    partial = from_template({"expectations": "Ours"})
    assert partial["expectations"] == "Ours" and partial["how_to_end"] == DEFAULT_TEMPLATE["how_to_end"]


@settings(max_examples=60)
@given(done_on_time=st.integers(0, 50), late_or_open=st.integers(0, 50))
def test_attainment_is_the_share_of_due_goals_done_by_their_date(
    done_on_time: int, late_or_open: int
) -> None:
    tally = Tally(
        goals=done_on_time + late_or_open, done_on_time=done_on_time, due=done_on_time + late_or_open
    )
    if tally.due == 0:
        assert tally.attainment is None
    else:
        assert tally.attainment is not None and 0 <= tally.attainment <= 1
        assert abs(tally.attainment - done_on_time / tally.due) < 1e-4


def test_a_workspace_is_open_while_its_match_is_live_and_its_members_active() -> None:
    assert decide_status("accepted", members_active=True) == (WorkspaceStatus.OPEN, None)
    assert decide_status("active", members_active=True) == (WorkspaceStatus.OPEN, None)
    assert decide_status("active", members_active=False) == (
        WorkspaceStatus.CLOSED,
        ClosedReason.MEMBER_DEACTIVATED,
    )
    assert decide_status("ended", members_active=True) == (WorkspaceStatus.CLOSED, ClosedReason.MATCH_ENDED)
    assert decide_status("ended", members_active=False) == (WorkspaceStatus.CLOSED, ClosedReason.MATCH_ENDED)


def test_every_objective_ships_templates_whose_milestones_fall_before_the_target() -> None:
    keys = [t.key for t in goal_templates.TEMPLATES]
    assert len(keys) == len(set(keys))
    for objective in ProgramObjective:
        templates = goal_templates.templates_for(objective)
        assert len(templates) >= 3, objective
        assert {t.guidance_kind for t in goal_templates.TEMPLATES} == set(GuidanceKind)
    start = date(2026, 1, 5)
    for template in goal_templates.TEMPLATES:
        assert len(template.title) <= 200 and len(template.measure) <= 1000
        dates = [due for _, due in template.milestone_dates(start)]
        assert dates == sorted(dates) and all(start < due <= template.target_date(start) for due in dates)
    assert goal_templates.template("technical-bias-audit") is not None
    assert goal_templates.template("nope") is None
