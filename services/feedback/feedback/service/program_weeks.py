"""Keeping a program's weekly rollup current, in the transaction of the change it counts.

Every answer, session and health score of a program in a week adds to one row, the hottest in the
service. Written where each change happens, a transaction could take that row's lock and then wait
for a match's health row (a consumer batch evaluates one match after another in one transaction)
while a submission held that health row and waited for the week row: a deadlock. So the deltas are
collected and written when the transaction commits, in one statement, in (program, week) order:
every transaction takes its request, match and health locks first and the week rows last, always
in the same order, and holds those only for its commit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from feedback.models import PROGRAM_WEEKS

_PENDING = "feedback.program_weeks"

WeekKey = tuple[uuid.UUID, date, str]  # program, week start, organization


@dataclass
class _Pending:
    """The deltas a session's transaction has added so far, with the (sub)transaction of each, so
    a rolled-back savepoint (the consumer's per-event fallback) takes its deltas with it."""

    deltas: list[tuple[SessionTransaction, WeekKey, dict[str, Any]]] = field(default_factory=list)
    rolled_back: set[SessionTransaction] = field(default_factory=set)

    def kept(self) -> dict[WeekKey, dict[str, Any]]:
        """The sum of the deltas per week, leaving out those of rolled-back savepoints."""
        totals: dict[WeekKey, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
        for transaction, key, deltas in self.deltas:
            if self._undone(transaction):
                continue
            for name, value in deltas.items():
                totals[key][name] += value
        return totals

    def _undone(self, transaction: SessionTransaction | None) -> bool:
        while transaction is not None:
            if transaction in self.rolled_back:
                return True
            transaction = transaction.parent
        return False


async def add_to_week(
    session: AsyncSession,
    *,
    organization: str,
    program_id: uuid.UUID,
    week_start: date,
    deltas: dict[str, Any],
) -> None:
    """Add `deltas` (see `rollups`) to the program's row of that week (created at zero) when the
    transaction commits."""
    if not deltas:
        return
    sync = session.sync_session
    pending = sync.info.get(_PENDING)
    if pending is None:
        pending = sync.info[_PENDING] = _Pending()
        event.listen(sync, "before_commit", _write_weeks)
        event.listen(sync, "after_soft_rollback", _forget_savepoint)
        event.listen(sync, "after_transaction_end", _clear)
    transaction = sync.get_nested_transaction() or sync.get_transaction()
    assert transaction is not None, "add_to_week needs a transaction"
    pending.deltas.append((transaction, (program_id, week_start, organization), dict(deltas)))


def _write_weeks(session: Session) -> None:
    """Before the outermost commit: every week row of the transaction, in one sorted upsert."""
    pending: _Pending | None = session.info.get(_PENDING)
    if pending is None or session.in_nested_transaction():
        return  # a savepoint being released: its deltas stay pending for the whole transaction
    totals = pending.kept()
    pending.deltas.clear()
    if not totals:
        return
    columns = sorted({name for deltas in totals.values() for name in deltas})
    rows = [
        {
            "program_id": program_id,
            "week_start": week_start,
            "organization": organization,
            **{name: deltas.get(name, 0) for name in columns},
        }
        for (program_id, week_start, organization), deltas in sorted(
            totals.items(), key=lambda item: (item[0][0], item[0][1])
        )
    ]
    statement = insert(PROGRAM_WEEKS).values(rows)
    # Runs inside the commit's greenlet, so the synchronous session can execute.
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[PROGRAM_WEEKS.c.program_id, PROGRAM_WEEKS.c.week_start],
            set_={name: PROGRAM_WEEKS.c[name] + statement.excluded[name] for name in columns},
        )
    )


def _forget_savepoint(session: Session, previous_transaction: SessionTransaction) -> None:
    pending: _Pending | None = session.info.get(_PENDING)
    if pending is not None and previous_transaction.nested:
        pending.rolled_back.add(previous_transaction)


def _clear(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended (committed or rolled back): nothing stays pending."""
    pending: _Pending | None = session.info.get(_PENDING)
    if pending is not None and transaction.parent is None and not transaction.nested:
        pending.deltas.clear()
        pending.rolled_back.clear()
