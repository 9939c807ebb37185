"""What a database refusal means to a client: constraint violations as 409/422 problems.

Use cases declare which named constraints are conflicts a client can act on ("this email is
taken"); anything else the database refuses is still a 4xx naming only the constraint, never a
500, and never the bound values (they may be personal data).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Problem, invalid_field

# PostgreSQL SQLSTATEs a use case may meet.
UNIQUE_VIOLATION = "23505"
EXCLUSION_VIOLATION = "23P01"
FOREIGN_KEY_VIOLATION = "23503"
CHECK_VIOLATION = "23514"
DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
# The database rolled the transaction back; running all of it again is safe.
TRANSIENT = frozenset({DEADLOCK_DETECTED, SERIALIZATION_FAILURE})


def constraint_name(exc: DBAPIError) -> str:
    """The name of the constraint the database refused a statement for ('' when none)."""
    cause = getattr(exc.orig, "__cause__", None)
    return str(getattr(cause, "constraint_name", None) or getattr(exc.orig, "constraint_name", None) or "")


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a database error (asyncpg keeps it on the original exception's cause)."""
    cause = getattr(exc.orig, "__cause__", None)
    return getattr(cause, "sqlstate", None) or getattr(exc.orig, "sqlstate", None)


@dataclass(frozen=True)
class Conflict:
    """A constraint a client can run into: the field it concerns and what to tell them."""

    field: str | None
    message: str
    status: int = 409
    slug: str = "conflict"
    title: str | None = None  # the problem type's own title ("Slot taken"), else the status's

    def problem(self) -> Problem:
        if self.field is None:
            return Problem(self.status, self.message, slug=self.slug, title=self.title)
        errors = [{"field": self.field, "message": self.message, "type": self.slug}]
        return Problem(self.status, self.message, slug=self.slug, title=self.title, errors=errors)


def problem_for(exc: IntegrityError, conflicts: Mapping[str, Conflict]) -> Problem:
    """The problem a refused write answers: a declared conflict, else a 409 naming the constraint."""
    name = constraint_name(exc)
    if name in conflicts:
        return conflicts[name].problem()
    return Problem(409, f"the change breaks a data constraint ({name or 'unknown'})", slug="conflict")


@contextlib.contextmanager
def refusals_as_problems(conflicts: Mapping[str, Conflict] | None = None) -> Iterator[None]:
    """Turn an IntegrityError raised inside the block into its problem (see `problem_for`)."""
    try:
        yield
    except IntegrityError as exc:
        raise problem_for(exc, conflicts or {}) from exc


async def flush_or_conflict(session: AsyncSession, conflicts: Mapping[str, Conflict] | None = None) -> None:
    """Write pending ORM changes now, inside a savepoint, so a refusal becomes its problem and the
    transaction stays usable."""
    with refusals_as_problems(conflicts):
        async with session.begin_nested():
            await session.flush()


__all__ = [
    "CHECK_VIOLATION",
    "DEADLOCK_DETECTED",
    "EXCLUSION_VIOLATION",
    "FOREIGN_KEY_VIOLATION",
    "SERIALIZATION_FAILURE",
    "TRANSIENT",
    "UNIQUE_VIOLATION",
    "Conflict",
    "constraint_name",
    "flush_or_conflict",
    "invalid_field",
    "problem_for",
    "refusals_as_problems",
    "sqlstate",
]
