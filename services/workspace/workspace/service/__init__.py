"""Use cases of the workspace service, one module per aggregate: each state change and its events
commit in one transaction.

- `workspaces`: opening and closing a pair's workspace from events, locking it for a change, and
  keeping its summary row current;
- `agreements`: editing and signing the pair's agreement;
- `goals`: goals, their proposals, progress history, comments and milestones;
- `action_items`: action items and their comments, and announcing overdue ones;
- `session_notes`: agendas, shared notes and private notes of the pair's sessions;
- `messages`: the conversation, read markers, reports, and retention;
- `settings`: a program's workspace settings and an organization's message retention;
- `facilitation`: admins' intervention notes and at-risk cases.

Each function takes a session already inside a transaction; a `Problem` raised rolls everything
back, so a refused request writes nothing. A change to a pair starts by locking its workspace row
(`workspaces.lock_for_change`), which serializes the pair's writes and is always the first lock
taken, so two writers never wait for each other in opposite orders.
"""

from __future__ import annotations

from shared.outbox import Outbox
from workspace.models import messaging

# Where every use case adds the events it publishes (in its own transaction).
OUTBOX = Outbox(messaging.outbox)
