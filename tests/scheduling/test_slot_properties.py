"""Properties of slot finding over many zones, checked against an independent oracle: `zoneinfo`
read forwards (what does the wall clock show at this instant?), never the slot finder's own
wall-to-UTC mapping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.availability import Availability, Window
from scheduling.intervals import intersect, normalize, subtract
from scheduling.slots import Slot, SlotRules, common_slots

# Every region's zones, including the DST-free, the southern hemisphere and the odd offsets.
ZONES = sorted(
    name
    for name in available_timezones()
    if name.split("/")[0] in {"Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Pacific"}
)
MINUTE = timedelta(minutes=1)


@st.composite
def windows(draw: st.DrawFn) -> tuple[Window, ...]:
    count = draw(st.integers(0, 3))
    bounds = sorted(draw(st.lists(st.integers(0, 96), min_size=2 * count, max_size=2 * count, unique=True)))
    return tuple(Window(bounds[i] * 15, bounds[i + 1] * 15) for i in range(0, len(bounds), 2))


@st.composite
def people(draw: st.DrawFn, *, first_day: date) -> Availability:
    weekly = {day: draw(windows()) for day in range(7)}
    override_days = draw(st.lists(st.integers(-1, 8), max_size=3, unique=True))
    overrides = {first_day + timedelta(days=offset): draw(windows()) for offset in override_days}
    return Availability(time_zone=draw(st.sampled_from(ZONES)), weekly=weekly, overrides=overrides)


@st.composite
def scenarios(draw: st.DrawFn, *, max_days: int = 8) -> dict:
    # Dates around the 2026 DST changes of both hemispheres, and ordinary weeks.
    first_day = draw(
        st.sampled_from([date(2026, 3, 6), date(2026, 3, 27), date(2026, 4, 2), date(2026, 6, 10)])
        | st.dates(date(2026, 1, 1), date(2026, 12, 20))
    )
    window_start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC) + timedelta(
        minutes=15 * draw(st.integers(0, 95))
    )
    window_end = window_start + timedelta(hours=draw(st.integers(1, 24 * max_days)))
    length = timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90])))
    buffer = timedelta(minutes=draw(st.sampled_from([0, 5, 10, 15, 30])))
    sessions = []
    for _ in range(draw(st.integers(0, 6))):
        start = window_start + timedelta(
            minutes=draw(st.integers(-120, int((window_end - window_start).total_seconds() // 60)))
        )
        sessions.append((start, start + timedelta(minutes=draw(st.sampled_from([30, 45, 60, 90])))))
    return {
        "participants": [draw(people(first_day=first_day)) for _ in range(draw(st.integers(1, 2)))],
        "window": (window_start, window_end),
        "sessions": sessions,
        "rules": SlotRules(
            length=length,
            grid=timedelta(minutes=draw(st.sampled_from([5, 10, 15, 30, 60]))),
            buffer=buffer,
            minimum_notice=timedelta(minutes=draw(st.integers(0, 12 * 60))),
            horizon=timedelta(days=draw(st.integers(1, 30))),
        ),
        "now": window_start - timedelta(minutes=draw(st.integers(-6 * 60, 3 * 24 * 60))),
        "grid_zone_index": draw(st.integers(0, 1)),
    }


def find(scenario: dict, limit: int | None = None) -> list[Slot]:
    participants = scenario["participants"]
    rules: SlotRules = scenario["rules"]
    return common_slots(
        participants,
        window_start=scenario["window"][0],
        window_end=scenario["window"][1],
        # What the service stores: each session's time plus the buffer after it.
        blocked=[(start, end + rules.buffer) for start, end in scenario["sessions"]],
        rules=rules,
        now=scenario["now"],
        grid_zone=grid_zone(scenario),
        limit=limit,
    )


def grid_zone(scenario: dict) -> str:
    participants = scenario["participants"]
    return str(participants[min(scenario["grid_zone_index"], len(participants) - 1)].time_zone)


def available_at(person: Availability, instant: datetime) -> bool:
    """The oracle: does the person's wall clock at `instant` show a time inside that date's windows?"""
    local = instant.astimezone(ZoneInfo(person.time_zone))
    minute = local.hour * 60 + local.minute
    return any(window.start <= minute < window.end for window in person.windows_on(local.date()))


def inside_availability(person: Availability, slot: Slot) -> bool:
    # Offsets and windows are whole minutes, so checking every minute checks every instant.
    moment = slot.start
    while moment < slot.end:
        if not available_at(person, moment):
            return False
        moment += MINUTE
    return True


def on_local_grid(start: datetime, *, zone: str, grid: timedelta) -> bool:
    local = start.astimezone(ZoneInfo(zone))
    offset = local.utcoffset()
    assert offset is not None
    return (start.timestamp() + offset.total_seconds()) % grid.total_seconds() == 0


def bookable(scenario: dict, start: datetime) -> bool:
    """Everything a slot must be, checked by brute force."""
    rules: SlotRules = scenario["rules"]
    end = start + rules.length
    window_start, window_end = scenario["window"]
    now = scenario["now"]
    return (
        window_start <= start
        and end <= window_end
        and start >= now + rules.minimum_notice
        and start <= now + rules.horizon
        and on_local_grid(start, zone=grid_zone(scenario), grid=rules.grid)
        and all(inside_availability(person, Slot(start, end)) for person in scenario["participants"])
        and all(
            end + rules.buffer <= booked_start or start >= booked_end + rules.buffer
            for booked_start, booked_end in scenario["sessions"]
        )
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_slot_is_bookable_by_every_rule(scenario: dict) -> None:
    slots = find(scenario)
    assert slots == sorted(slots, key=lambda slot: slot.start)
    assert len({slot.start for slot in slots}) == len(slots)
    for slot in slots:
        assert slot.end - slot.start == scenario["rules"].length  # length exact
        assert slot.start.tzinfo is not None and slot.start.utcoffset() == timedelta(0)
        assert bookable(scenario, slot.start), slot


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_days=2))
def test_no_bookable_start_on_the_grid_is_missed(scenario: dict) -> None:
    found = {slot.start for slot in find(scenario)}
    window_start, window_end = scenario["window"]
    candidate = window_start - timedelta(hours=1)
    while candidate < window_end:
        if candidate >= window_start and bookable(scenario, candidate):
            assert candidate in found, candidate
        candidate += timedelta(minutes=5)  # every grid's points are on this 5-minute lattice


@settings(max_examples=60, deadline=None)
@given(scenarios(max_days=3), st.integers(1, 5))
def test_a_limit_returns_the_first_slots(scenario: dict, limit: int) -> None:
    assert find(scenario, limit=limit) == find(scenario)[:limit]


spans = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=8).map(normalize)


@given(spans, spans)
def test_interval_algebra_matches_sets_of_seconds(left: list, right: list) -> None:
    def seconds(items: list) -> set[int]:
        return {second for start, end in items for second in range(start, end)}

    assert seconds(intersect(left, right)) == seconds(left) & seconds(right)
    assert seconds(subtract(left, right)) == seconds(left) - seconds(right)
    assert normalize(intersect(left, right)) == intersect(left, right)
    assert normalize(subtract(left, right)) == subtract(left, right)
