"""The states programs and enrollments move through, and who may move them."""

from __future__ import annotations

from shared.contracts.profiles import EnrollmentStatus, ProgramStatus

PROGRAM_TRANSITIONS: dict[ProgramStatus, frozenset[ProgramStatus]] = {
    ProgramStatus.DRAFT: frozenset({ProgramStatus.ACTIVE, ProgramStatus.CLOSED}),
    ProgramStatus.ACTIVE: frozenset({ProgramStatus.CLOSED}),
    ProgramStatus.CLOSED: frozenset(),
}

ENROLLMENT_TRANSITIONS: dict[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    EnrollmentStatus.PENDING: frozenset({EnrollmentStatus.ACTIVE, EnrollmentStatus.WITHDRAWN}),
    EnrollmentStatus.ACTIVE: frozenset({EnrollmentStatus.COMPLETED, EnrollmentStatus.WITHDRAWN}),
    # A withdrawn person may come back: re-applying (pending) or re-admitted by an admin (active).
    EnrollmentStatus.WITHDRAWN: frozenset({EnrollmentStatus.PENDING, EnrollmentStatus.ACTIVE}),
    EnrollmentStatus.COMPLETED: frozenset(),
}

# What an enrolled person may do on their own; admitting and completing are for admins.
SELF_SERVICE_TRANSITIONS: frozenset[tuple[EnrollmentStatus, EnrollmentStatus]] = frozenset(
    {
        (EnrollmentStatus.PENDING, EnrollmentStatus.WITHDRAWN),
        (EnrollmentStatus.ACTIVE, EnrollmentStatus.WITHDRAWN),
        (EnrollmentStatus.WITHDRAWN, EnrollmentStatus.PENDING),
    }
)

# Statuses that need the program to still be open.
OPEN_PROGRAM_STATUSES = frozenset({EnrollmentStatus.PENDING, EnrollmentStatus.ACTIVE})


def program_transition_allowed(current: ProgramStatus, new: ProgramStatus) -> bool:
    return new == current or new in PROGRAM_TRANSITIONS[current]


def enrollment_transition_allowed(current: EnrollmentStatus, new: EnrollmentStatus) -> bool:
    return new == current or new in ENROLLMENT_TRANSITIONS[current]


def self_service_transition(current: EnrollmentStatus, new: EnrollmentStatus) -> bool:
    return new == current or (current, new) in SELF_SERVICE_TRANSITIONS
