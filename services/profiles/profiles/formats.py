"""A program's format and its settings: which combinations make sense (pure: no I/O).

Each format has its own settings (a circle's group shape, a flash program's session length and
monthly offer, a peer program's seniority band) and a seniority direction that fits it. The
settings a program stores are always complete for its format (defaults filled in) and empty for
the others, so consumers never guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from profiles.schemas import FormatSettingsIn
from shared.contracts.profiles import (
    CircleSettings,
    EnrollmentRole,
    FlashSettings,
    FormatSettings,
    MatchingMode,
    PeerSettings,
    ProgramFormat,
    SeniorityDirection,
)
from shared.errors import Problem, invalid_field

# The directions each format allows; the first is its default.
DIRECTIONS: dict[ProgramFormat, tuple[SeniorityDirection, ...]] = {
    ProgramFormat.ONE_TO_ONE: (SeniorityDirection.MENTOR_SENIOR, SeniorityDirection.EITHER),
    ProgramFormat.CIRCLE: (SeniorityDirection.MENTOR_SENIOR, SeniorityDirection.EITHER),
    ProgramFormat.FLASH: (SeniorityDirection.MENTOR_SENIOR,),
    ProgramFormat.PEER: (SeniorityDirection.EITHER,),
    ProgramFormat.REVERSE: (SeniorityDirection.MENTOR_JUNIOR, SeniorityDirection.EITHER),
}
# The roles people enroll in, per format: peers all enroll as `peer`; every other format has mentors
# (facilitators of circles, the junior side of reverse mentoring) and mentees.
ROLES: dict[ProgramFormat, frozenset[EnrollmentRole]] = {
    ProgramFormat.PEER: frozenset({EnrollmentRole.PEER}),
    **{
        program_format: frozenset({EnrollmentRole.MENTOR, EnrollmentRole.MENTEE})
        for program_format in ProgramFormat
        if program_format is not ProgramFormat.PEER
    },
}
# Circles and peer pairs are formed by matching rounds: mentees do not pick a mentor there.
_NO_MENTEE_CHOICE = frozenset({ProgramFormat.CIRCLE, ProgramFormat.PEER, ProgramFormat.FLASH})
_PART: dict[ProgramFormat, str] = {
    ProgramFormat.CIRCLE: "circle",
    ProgramFormat.FLASH: "flash",
    ProgramFormat.PEER: "peer",
}


def format_settings(
    program_format: ProgramFormat,
    *,
    current: Mapping[str, Any] | None,
    given: FormatSettingsIn | None,
) -> dict[str, Any]:
    """The complete settings of `program_format`: `given` over `current` over the defaults.

    `current` is what the program stored (ignored when the format changes). A 422 names the field
    when `given` holds another format's settings, a circle's sizes are reversed, or the seniority
    direction does not fit the format.
    """
    stored = FormatSettings.model_validate(current or {})
    own = _PART.get(program_format)
    if given is not None:
        for part in _PART.values():
            if part != own and getattr(given, part) is not None:
                raise invalid_field(
                    f"format_settings.{part}",
                    f"a {program_format.value} program has no {part} settings",
                    kind="format_mismatch",
                )
    circle = flash = peer = None
    if program_format is ProgramFormat.CIRCLE:
        circle = CircleSettings(**_merged(stored.circle, given.circle if given else None))
        if circle.min_size > circle.max_size:
            raise invalid_field(
                "format_settings.circle.min_size",
                "a circle's min_size must not exceed its max_size",
                kind="size_range",
            )
    elif program_format is ProgramFormat.FLASH:
        flash = FlashSettings(**_merged(stored.flash, given.flash if given else None))
    elif program_format is ProgramFormat.PEER:
        peer = PeerSettings(**_merged(stored.peer, given.peer if given else None))
    allowed = DIRECTIONS[program_format]
    direction = given.seniority_direction if given is not None else None
    if direction is None:
        direction = stored.seniority_direction if stored.seniority_direction in allowed else allowed[0]
    if direction not in allowed:
        raise invalid_field(
            "format_settings.seniority_direction",
            f"a {program_format.value} program scores seniority as "
            + " or ".join(choice.value for choice in allowed),
            kind="direction_mismatch",
        )
    settings = FormatSettings(circle=circle, flash=flash, peer=peer, seniority_direction=direction)
    return settings.model_dump(mode="json")


def _merged(stored: Any, given: Any) -> dict[str, Any]:
    values = stored.model_dump() if stored is not None else {}
    if given is not None:
        values.update(given.model_dump(exclude_unset=True))
    return values


def check_matching_mode(program_format: ProgramFormat, mode: MatchingMode) -> None:
    """Mentee choice only where a mentee picks one mentor (one-to-one and reverse)."""
    if mode is MatchingMode.MENTEE_CHOICE and program_format in _NO_MENTEE_CHOICE:
        raise invalid_field(
            "matching_mode",
            f"a {program_format.value} program is not matched by mentee choice",
            kind="format_mismatch",
        )


def check_role(program_format: ProgramFormat, role: EnrollmentRole) -> None:
    """A 422 when `role` is not one of the format's enrollment roles."""
    allowed = ROLES[program_format]
    if role not in allowed:
        raise invalid_field(
            "role",
            f"a {program_format.value} program enrolls people as "
            + " or ".join(sorted(choice.value for choice in allowed)),
            kind="format_mismatch",
        )


def format_fixed() -> Problem:
    return Problem(
        409,
        "the program's format is fixed: matches or circles were already made in it",
        slug="format-fixed",
    )
