"""Use cases of scheduling, one module per aggregate: every state change and its event commit in
one transaction.

- `matches`: which match a caller may schedule, and whether it can take sessions;
- `bookings`: booking a session in a common slot (or an async check-in);
- `lifecycle`: rescheduling, canceling, completing, no-shows, and canceling what is ahead;
- `blocked_time`: the participants' blocked time, where PostgreSQL refuses double-booking;
- `reminders`: a session's stored reminders, and emitting the due ones;
- `proposals`: the next session the cadence proposes after one completes;
- `policy`: the organization's scheduling policy;
- `calendar_feeds`: calendar subscription URLs;
- `people`: a deactivated person's token writes nothing;
- `publishing`: the outbox every session change goes through.

Each function takes a session already inside a transaction (`Writer.transaction()`, or the
consumer's). A `Problem` raised here rolls the whole transaction back, so a refused request writes
nothing: no row, no reminder, no outbox event.
"""
