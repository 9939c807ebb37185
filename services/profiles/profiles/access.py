"""Who may do what: pure decisions over the verified caller and what is known of the entity.

Every query is also scoped to the caller's organization, so a token of another organization
never reaches these decisions with a foreign entity: it gets a 404, as does anyone who may
not know that an entity exists. A 403 is only ever given about something the caller can see.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from profiles.schemas import ADMIN_ONLY_PERSON_FIELDS
from shared.auth import Principal
from shared.contracts.profiles import EnrollmentStatus, ProgramStatus

# Enrollments through which members of a program see each other.
LIVE_ENROLLMENT: tuple[str, ...] = (EnrollmentStatus.PENDING.value, EnrollmentStatus.ACTIVE.value)


class Visibility(StrEnum):
    FULL = "full"
    PUBLIC = "public"


def manages_people(caller: Principal) -> bool:
    """Admins, and the HR integration that provisions people."""
    return caller.is_admin or caller.is_integration


def manages_programs(caller: Principal) -> bool:
    return caller.is_admin


def is_self(caller: Principal, person_id: uuid.UUID) -> bool:
    return caller.person_id == person_id


def person_visibility(
    caller: Principal, *, person_id: uuid.UUID, active: bool, shares_program: bool
) -> Visibility | None:
    """Full for admins, the integration and the person; public for fellow program members."""
    if manages_people(caller) or is_self(caller, person_id):
        return Visibility.FULL
    if shares_program and active:
        return Visibility.PUBLIC
    return None


def may_edit_person(caller: Principal, person_id: uuid.UUID) -> bool:
    return manages_people(caller) or is_self(caller, person_id)


def fields_reserved_for_admins(caller: Principal, fields: set[str]) -> list[str]:
    """The fields in `fields` that this caller may not change on a profile (their own)."""
    if manages_people(caller):
        return []
    return sorted(fields & ADMIN_ONLY_PERSON_FIELDS)


def program_visible(caller: Principal, status: str) -> bool:
    """Drafts are the admins' work in progress; every other program is open to the organization."""
    return caller.is_admin or status != ProgramStatus.DRAFT


def may_edit_enrollment(caller: Principal, person_id: uuid.UUID) -> bool:
    return caller.is_admin or is_self(caller, person_id)


def enrollment_visibility(
    caller: Principal, *, person_id: uuid.UUID, status: str, caller_is_member: bool
) -> Visibility | None:
    """Full for admins and the enrolled person; public for members of the same program."""
    if caller.is_admin or is_self(caller, person_id):
        return Visibility.FULL
    if caller_is_member and status in LIVE_ENROLLMENT:
        return Visibility.PUBLIC
    return None
