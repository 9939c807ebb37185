"""What feedback knows of a match without any I/O: which of its states are live, and who takes part.

Feedback keeps a read model of matches (from matching's events); a match is live while its pair
works together, which is when requests open and its health is watched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.contracts.feedback import ParticipantRole
from shared.contracts.matching import MatchStatus

# The states in which a pair works together (feedback is collected, health is watched).
LIVE_MATCH: tuple[str, ...] = (MatchStatus.ACCEPTED.value, MatchStatus.ACTIVE.value)


def is_live(status: str) -> bool:
    """Whether a match in `status` is one whose pair works together."""
    return status in LIVE_MATCH


@dataclass(frozen=True)
class MatchParticipants:
    """A match as far as asking its participants for feedback is concerned."""

    organization: str
    program_id: uuid.UUID
    match_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID

    def participants(self) -> tuple[tuple[uuid.UUID, ParticipantRole], ...]:
        return ((self.mentor_id, ParticipantRole.MENTOR), (self.mentee_id, ParticipantRole.MENTEE))
