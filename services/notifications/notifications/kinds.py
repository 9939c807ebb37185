"""What the platform tells people: each kind of notification, its default channels and its rules.

Pure data. Adding a kind is an entry here, its template (templates/en/<kind>.j2) and the handler
line that maps an event to it (handlers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Medium(StrEnum):
    """What a person switches on or off per kind (chat covers the organization's Slack and Teams)."""

    EMAIL = "email"
    CHAT = "chat"
    INBOX = "inbox"


class Urgency(StrEnum):
    HIGH = "high"  # sent at once (after quiet hours), never held for a digest
    LOW = "low"  # may wait for the person's daily or weekly digest


@dataclass(frozen=True)
class Kind:
    name: str
    title: str  # what preference screens show
    urgency: Urgency
    default_media: frozenset[Medium]
    # A session change (or a security notice): still sent to a person who muted everything when
    # their organization requires it.
    critical: bool = False
    # Variables the kind's templates may use besides the ones every template gets (BASE_VARIABLES).
    variables: tuple[str, ...] = ()
    # Carries an iCalendar invitation (METHOD:REQUEST) or cancellation (METHOD:CANCEL).
    calendar: str | None = None


ALL = frozenset(Medium)
NO_CHAT = frozenset({Medium.EMAIL, Medium.INBOX})
QUIET = frozenset({Medium.INBOX})

MATCH = ("other_name", "other_role", "program_name", "match_id")
SESSION = (
    "other_name",
    "program_name",
    "session_id",
    "session_start",
    "session_end",
    "session_format",
    "meeting_url",
    "location",
)
FEEDBACK = ("program_name", "other_name", "request_id", "due_at")
# Every template may use these.
BASE_VARIABLES = ("recipient_name", "app_url", "unsubscribe_url", "preferences_url")

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("match_proposed", "A mentor or mentee was proposed to you", Urgency.HIGH, ALL, variables=MATCH),
        Kind("match_requested", "A mentee asked you to mentor them", Urgency.HIGH, ALL, variables=MATCH),
        Kind("match_accepted", "A match was accepted", Urgency.HIGH, ALL, variables=MATCH),
        Kind("match_declined", "A match was declined", Urgency.LOW, NO_CHAT, variables=MATCH),
        Kind(
            "session_booked",
            "A session was booked",
            Urgency.HIGH,
            ALL,
            critical=True,
            variables=SESSION,
            calendar="REQUEST",
        ),
        Kind(
            "session_rescheduled",
            "A session moved",
            Urgency.HIGH,
            ALL,
            critical=True,
            variables=(*SESSION, "previous_start"),
            calendar="REQUEST",
        ),
        Kind(
            "session_canceled",
            "A session was canceled",
            Urgency.HIGH,
            ALL,
            critical=True,
            variables=(*SESSION, "cancel_reason"),
            calendar="CANCEL",
        ),
        Kind(
            "session_reminder",
            "A session is coming up",
            Urgency.HIGH,
            ALL,
            variables=(*SESSION, "minutes_before"),
        ),
        Kind("feedback_requested", "Feedback on a session", Urgency.LOW, NO_CHAT, variables=FEEDBACK),
        Kind("feedback_overdue", "Feedback you have not given yet", Urgency.LOW, NO_CHAT, variables=FEEDBACK),
        Kind("checkin_due", "A check-in on your mentorship", Urgency.LOW, NO_CHAT, variables=FEEDBACK),
        Kind("closeout_survey", "The close-out survey", Urgency.LOW, NO_CHAT, variables=FEEDBACK),
        Kind(
            "relationship_at_risk",
            "A mentorship needs attention (program admins)",
            Urgency.HIGH,
            NO_CHAT,
            variables=("mentor_name", "mentee_name", "program_name", "match_id", "score", "reasons"),
        ),
        Kind(
            "training_assigned",
            "A course was assigned to you",
            Urgency.LOW,
            NO_CHAT,
            variables=("program_name", "assignment_id", "due_at", "modules_total"),
        ),
        Kind(
            "training_overdue",
            "A course is past its due date",
            Urgency.LOW,
            NO_CHAT,
            variables=("program_name", "assignment_id", "due_at", "modules_done", "modules_total"),
        ),
        Kind(
            "goal_due_soon",
            "A goal's target date is near",
            Urgency.LOW,
            NO_CHAT,
            variables=("program_name", "match_id", "goal_id", "target_date", "percent"),
        ),
        Kind(
            "action_item_overdue",
            "An action item is overdue",
            Urgency.LOW,
            NO_CHAT,
            variables=("program_name", "other_name", "match_id", "action_item_id", "due_date"),
        ),
        Kind("digest", "Your digest", Urgency.LOW, frozenset({Medium.EMAIL}), variables=("items", "period")),
    )
}


def kind(name: str) -> Kind:
    """The kind called `name` (KeyError if unknown)."""
    return KINDS[name]


def variables(name: str) -> frozenset[str]:
    """Every variable the templates of kind `name` may use."""
    return frozenset((*BASE_VARIABLES, *KINDS[name].variables))
