"""Who may see and change a pair's workspace: pure decisions over the verified caller.

Queries are scoped to the caller's organization first, so these decisions only ever concern
workspaces of the caller's own organization. The two members see and change their workspace; the
organization's admins (the program's admins) see its plan and work its cases, but never its
messages (except reported ones) nor anyone's private notes. Anyone else gets a 404: for them the
workspace might as well not exist. A 403 is only given about something the caller can see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.auth import Principal
from shared.errors import Problem, not_found


class Viewer(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    ADMIN = "admin"


@dataclass(frozen=True)
class PairAccess:
    """A workspace as the caller meets it: the pair, its state, and who the caller is to it."""

    match_id: uuid.UUID
    organization: str
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    status: str
    viewer: Viewer
    person_id: uuid.UUID | None

    @property
    def is_member(self) -> bool:
        return self.viewer in (Viewer.MENTOR, Viewer.MENTEE)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def other_member(self) -> uuid.UUID:
        """The member who is not the caller (the recipient of what the caller posts)."""
        return self.mentee_id if self.viewer is Viewer.MENTOR else self.mentor_id

    def member(self) -> uuid.UUID:
        """The caller's person id, as a member (else 403: admins read, the pair writes)."""
        if not self.is_member or self.person_id is None:
            raise Problem(403, "only the mentor and the mentee of this pair can do this")
        return self.person_id

    def mentee(self) -> uuid.UUID:
        """The caller's person id, as this pair's mentee (goals are the mentee's to own)."""
        me = self.member()
        if self.viewer is not Viewer.MENTEE:
            raise Problem(403, "only the mentee can do this (the mentor comments and proposes)")
        return me

    def writable(self) -> PairAccess:
        """This workspace, if it still takes changes (else 409: a closed workspace is read-only)."""
        if not self.is_open:
            raise Problem(
                409, "this workspace is closed: it can be read but no longer changed", slug="workspace-closed"
            )
        return self


def person_id_of(caller: Principal) -> uuid.UUID | None:
    """The caller's person id: the token subject, when it is one (an integration's is not)."""
    return caller.person_id


def acting_person(caller: Principal) -> uuid.UUID:
    """The person a write is recorded as done by (403 for a token whose subject is no person)."""
    me = person_id_of(caller)
    if me is None:
        raise Problem(403, "this needs the token of a person")
    return me


def viewer_of(caller: Principal, *, mentor_id: uuid.UUID, mentee_id: uuid.UUID) -> Viewer | None:
    """Who the caller is to a pair: a member first (an admin in a pair of their own is a member
    there), else an admin of the organization, else nobody (None)."""
    me = person_id_of(caller)
    if me is not None and me == mentor_id:
        return Viewer.MENTOR
    if me is not None and me == mentee_id:
        return Viewer.MENTEE
    if caller.is_admin:
        return Viewer.ADMIN
    return None


def pair_access(caller: Principal, row: Any | None) -> PairAccess:
    """The caller's access to a workspace row of their organization (404 when they have none)."""
    if row is None:
        raise not_found("workspace")
    mentor_id: uuid.UUID = row.mentor_id
    mentee_id: uuid.UUID = row.mentee_id
    viewer = viewer_of(caller, mentor_id=mentor_id, mentee_id=mentee_id)
    if viewer is None:
        raise not_found("workspace")
    return PairAccess(
        match_id=row.match_id,
        organization=row.organization,
        program_id=row.program_id,
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        status=row.status,
        viewer=viewer,
        person_id=person_id_of(caller),
    )


def admin_only(access: PairAccess) -> PairAccess:
    """Admin-only facilitation (intervention notes, cases): members of the pair get 403."""
    if access.viewer is not Viewer.ADMIN:
        raise Problem(403, "only the program's admins can see this")
    return access


def member_only(access: PairAccess, what: str = "resource") -> PairAccess:
    """What only the pair sees (the conversation, private notes): 404 for everyone else, admins
    included; for them it does not exist."""
    if not access.is_member:
        raise not_found(what)
    return access
