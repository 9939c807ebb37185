"""Who may do what with a person's data: pure decisions over the caller and the organization's
policy.

- A person exports only themselves, and downloads only their own exports.
- An admin acts within their organization: exports on a person's behalf, erasures, the trail.
- An integration token can neither export nor erase unless the organization allows it.
"""

from __future__ import annotations

import uuid

from shared.auth import Principal
from shared.errors import Problem


def may_export(caller: Principal, *, person_id: uuid.UUID, integrations_allowed: bool) -> None:
    """403 unless the caller may export `person_id`'s data."""
    if caller.is_admin:
        return
    if caller.is_integration:
        if not integrations_allowed:
            raise Problem(403, "the organization does not allow integrations to export people's data")
        return
    if caller.person_id != person_id:
        raise Problem(403, "a person can export only their own data")


def may_erase(caller: Principal, *, integrations_allowed: bool) -> None:
    """403 unless the caller may erase people of their organization."""
    if caller.is_admin:
        return
    if caller.is_integration and integrations_allowed:
        return
    if caller.is_integration:
        raise Problem(403, "the organization does not allow integrations to erase people")
    raise Problem(403, "only an admin can erase a person")


def may_read_export(
    caller: Principal, *, person_id: uuid.UUID, requested_by: str, integrations_allowed: bool
) -> bool:
    """Whether the caller may see an export of `person_id` (else it is a 404 to them)."""
    if caller.is_admin or caller.person_id == person_id:
        return True
    return caller.is_integration and integrations_allowed and caller.subject == requested_by
