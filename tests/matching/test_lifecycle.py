"""The match lifecycle: allowed transitions, final states and who may act."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from matching.access import end_reason_for, may_act, may_view
from matching.lifecycle import Action, InvalidTransition, holds_slot, next_status
from shared.auth import Principal, Role
from shared.contracts.matching import MatchEndReason, MatchStatus


@dataclass
class FakeMatch:
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    status: str


def caller(subject: uuid.UUID | str, *roles: Role) -> Principal:
    return Principal(subject=str(subject), organization="org", roles=frozenset(roles))


def test_requests_and_proposals_are_accepted_declined_or_expire() -> None:
    for open_status in (MatchStatus.PROPOSED, MatchStatus.REQUESTED):
        assert next_status(open_status, Action.ACCEPT) is MatchStatus.ACCEPTED
        assert next_status(open_status, Action.DECLINE) is MatchStatus.DECLINED
        assert next_status(open_status, Action.EXPIRE) is MatchStatus.EXPIRED
    assert next_status(MatchStatus.ACCEPTED, Action.ACTIVATE) is MatchStatus.ACTIVE
    assert next_status(MatchStatus.ACTIVE, Action.END) is MatchStatus.ENDED


@pytest.mark.parametrize("final", [MatchStatus.DECLINED, MatchStatus.EXPIRED, MatchStatus.ENDED])
@pytest.mark.parametrize("action", list(Action))
def test_final_states_accept_no_action(final: MatchStatus, action: Action) -> None:
    with pytest.raises(InvalidTransition):
        next_status(final, action)


def test_only_accepted_and_active_matches_hold_a_slot() -> None:
    assert [status for status in MatchStatus if holds_slot(status)] == [
        MatchStatus.ACCEPTED,
        MatchStatus.ACTIVE,
    ]


def test_only_the_mentor_or_an_admin_accepts_a_request_but_either_participant_declines() -> None:
    mentee, mentor, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    request = FakeMatch(mentee, mentor, MatchStatus.REQUESTED.value)
    assert may_act(caller(mentor, Role.MENTOR), request, Action.ACCEPT)
    assert not may_act(caller(mentee, Role.MENTEE), request, Action.ACCEPT)
    assert may_act(caller("someone", Role.ADMIN), request, Action.ACCEPT)
    assert may_act(caller(mentee, Role.MENTEE), request, Action.DECLINE)
    assert not may_view(caller(stranger, Role.MENTOR), request)


def test_participants_end_a_match_as_participant_or_completed_and_admins_with_any_reason() -> None:
    person = caller(uuid.uuid4(), Role.MENTEE)
    assert end_reason_for(person, MatchEndReason.PERSON_DEACTIVATED) is MatchEndReason.PARTICIPANT
    assert end_reason_for(person, MatchEndReason.COMPLETED) is MatchEndReason.COMPLETED
    assert end_reason_for(caller("a", Role.ADMIN), None) is MatchEndReason.ADMIN
    assert (
        end_reason_for(caller("a", Role.ADMIN), MatchEndReason.PROGRAM_CLOSED)
        is MatchEndReason.PROGRAM_CLOSED
    )
