"""The life of a match: which action leads from which status to which (pure).

    proposed  --accept--> accepted --activate--> active --end--> ended
    requested --accept--> accepted --end--> ended
    proposed | requested --decline--> declined | --expire--> expired | --end--> ended

A proposal needs both participants' consent (or an admin's); a request, the mentor's. Accepted and
active matches hold one of the mentor's slots; declined, expired and ended ones are final.
"""

from __future__ import annotations

from enum import StrEnum

from shared.contracts.matching import MatchStatus


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    ACTIVATE = "activate"
    END = "end"


OPEN: frozenset[MatchStatus] = frozenset({MatchStatus.PROPOSED, MatchStatus.REQUESTED})
LIVE: frozenset[MatchStatus] = frozenset({MatchStatus.ACCEPTED, MatchStatus.ACTIVE})
FINAL: frozenset[MatchStatus] = frozenset({MatchStatus.DECLINED, MatchStatus.EXPIRED, MatchStatus.ENDED})
NOT_FINAL: frozenset[MatchStatus] = OPEN | LIVE

_TRANSITIONS: dict[tuple[MatchStatus, Action], MatchStatus] = {
    (MatchStatus.PROPOSED, Action.ACCEPT): MatchStatus.ACCEPTED,
    (MatchStatus.REQUESTED, Action.ACCEPT): MatchStatus.ACCEPTED,
    (MatchStatus.PROPOSED, Action.DECLINE): MatchStatus.DECLINED,
    (MatchStatus.REQUESTED, Action.DECLINE): MatchStatus.DECLINED,
    (MatchStatus.PROPOSED, Action.EXPIRE): MatchStatus.EXPIRED,
    (MatchStatus.REQUESTED, Action.EXPIRE): MatchStatus.EXPIRED,
    (MatchStatus.ACCEPTED, Action.ACTIVATE): MatchStatus.ACTIVE,
    **{(status, Action.END): MatchStatus.ENDED for status in OPEN | LIVE},
}


class InvalidTransition(ValueError):
    """The action is not possible from the match's current status."""

    def __init__(self, status: MatchStatus, action: Action) -> None:
        super().__init__(f"a match that is {status.value} cannot be {_PAST[action]}")
        self.status = status
        self.action = action


_PAST = {
    Action.ACCEPT: "accepted",
    Action.DECLINE: "declined",
    Action.EXPIRE: "expired",
    Action.ACTIVATE: "activated",
    Action.END: "ended",
}


def next_status(status: MatchStatus, action: Action) -> MatchStatus:
    """The status after `action`, or InvalidTransition."""
    try:
        return _TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(status, action) from None


def holds_slot(status: MatchStatus) -> bool:
    """Whether a match in `status` occupies one of the mentor's slots."""
    return status in LIVE
