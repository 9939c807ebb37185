"""Use cases of the notifications service, one module per aggregate: notices (what an event means
for people), deliveries (outcomes, recovery, cancellation), digests, the inbox, preferences,
organization settings and template overrides. Each writes its state and its events in one
transaction."""

from __future__ import annotations

from notifications.models import messaging
from shared.outbox import Outbox

OUTBOX = Outbox(messaging.outbox)
# The channel that wakes the sender loop when deliveries are due now (LISTEN/NOTIFY on commit).
DISPATCH_CHANNEL = "notifications_deliveries"
# The channel of the inbox's live streams (shared.live), one topic per person.
LIVE_CHANNEL = "notifications_live"
