"""Use cases of the feedback service, one module per aggregate: each state change and its events
commit in one transaction.

- `requests`: opening feedback requests (sessions, check-ins, close-out) and withdrawing them;
- `submissions`: answering a request;
- `program_settings`: how a program collects feedback;
- `match_health`: scoring a match, its risk episodes and the crossings it announces;
- `program_weeks`: the weekly rollup every counted change adds to;
- `reactions`: what a match or a session changing in another service sets off here.

Each function takes a session already inside a transaction; a `Problem` raised rolls everything
back, so a refused request writes nothing.
"""

from __future__ import annotations

from feedback.models import messaging
from shared.outbox import Outbox

# Where every use case adds the events it publishes (in its own transaction).
OUTBOX = Outbox(messaging.outbox)
