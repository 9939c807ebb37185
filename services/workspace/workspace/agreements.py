"""A pair's agreement: its sections, the program template it starts from, and what its signatures
mean. Pure code: no I/O.

Each member signs a given version; an edit raises the version, so a signature of an older version
no longer counts and both sign again. The agreement is signed when both signed its current version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

SECTIONS = ("expectations", "meeting_frequency", "preferred_channels", "confidentiality", "how_to_end")

# What a program's agreements start from until its admins write their own.
DEFAULT_TEMPLATE: dict[str, str] = {
    "expectations": (
        "What the mentee wants to get out of the mentorship, and what the mentor can offer. "
        "Both come prepared to each session and say early when something does not work."
    ),
    "meeting_frequency": "We meet every two weeks for an hour, and reschedule rather than skip.",
    "preferred_channels": (
        "Sessions by video; questions in between in the workspace messages, answered within two working days."
    ),
    "confidentiality": (
        "What we discuss stays between us unless we agree otherwise, except where someone's safety or "
        "the law requires telling the program's admins."
    ),
    "how_to_end": (
        "Either of us can end the mentorship at any time by saying so in a session or a message; "
        "we hold a closing session to look back on the goals when we can."
    ),
}


def from_template(template: Mapping[str, str] | None) -> dict[str, str]:
    """The sections a new agreement starts with: the program's template, else the default (every
    section present, in order)."""
    source = template or DEFAULT_TEMPLATE
    return {section: source.get(section, DEFAULT_TEMPLATE[section]) for section in SECTIONS}


@dataclass(frozen=True)
class Signatures:
    """Which version each member last signed, and when."""

    version: int
    mentor_signed_version: int | None = None
    mentor_signed_at: datetime | None = None
    mentee_signed_version: int | None = None
    mentee_signed_at: datetime | None = None

    @property
    def mentor_signed(self) -> bool:
        return self.mentor_signed_version == self.version

    @property
    def mentee_signed(self) -> bool:
        return self.mentee_signed_version == self.version

    @property
    def signed(self) -> bool:
        return self.mentor_signed and self.mentee_signed

    def status(self, *, stored: bool) -> str:
        """none (still the template), draft, partially_signed or signed."""
        if self.signed:
            return "signed"
        if self.mentor_signed or self.mentee_signed:
            return "partially_signed"
        return "draft" if stored else "none"
