"""Durable jobs: periodic work and retried tasks that survive restarts and run once across replicas.

Every service's worker runs one `JobRunner` over its `jobs` table (shared.messaging_tables):

- a `Periodic` job (reminders due, health to refresh, requests to expire, retention) is one row
  whose next due time is stored, so a restart neither skips nor repeats a round and only one
  replica runs it at a time;
- a `Task` (a bulk import, a retried delivery of something) is enqueued with `JobQueue.enqueue`
  in the transaction of the change that asks for it, and runs until it succeeds, with backoff
  between attempts, and ends `failed` (visible to operators) after its last attempt.

A worker claims due rows with `FOR UPDATE SKIP LOCKED` and holds each under a short lease that a
heartbeat renews while the job runs: a worker that dies lets its jobs go within seconds, not
minutes, and a job that finished is never run again by a late lease.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import Table, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import utcnow
from shared.context import Actor, actor_var
from shared.listening import listen
from shared.logging import get_logger
from shared.messaging_tables import jobs_channel
from shared.stopping import wait_for_wake

_log = get_logger("shared.jobs")

JOB_RUNS = Counter("job_runs_total", "Job runs by outcome", ["service", "job", "outcome"])
JOB_SECONDS = Histogram(
    "job_run_duration_seconds",
    "How long job runs take",
    ["service", "job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300),
)

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


class PermanentFailure(Exception):
    """Raised by a task that can never succeed: it fails at once instead of being retried."""


@dataclass(frozen=True, slots=True)
class Again:
    """Returned by a job to run again after `seconds` (0: at once, e.g. more work is waiting)."""

    seconds: float = 0.0


JobRuntime = Any  # shared.runtime.Runtime (kept loose: the runtime imports nothing from here)


@dataclass(frozen=True)
class JobContext:
    """What a running job knows about itself."""

    id: uuid.UUID
    name: str
    key: str
    payload: Mapping[str, Any]
    attempt: int  # 1, then 2, ... while runs fail in a row (a run that succeeds or hands over resets it)
    stop: asyncio.Event  # set when the worker shuts down: long jobs stop between steps

    @property
    def stopping(self) -> bool:
        return self.stop.is_set()


JobResult = Again | None


@dataclass(frozen=True)
class Periodic:
    """Work to run every `every` seconds (a number, or read from the settings)."""

    name: str
    run: Callable[[JobRuntime, JobContext], Awaitable[JobResult]]
    every: float | Callable[[Any], float]

    def interval(self, settings: Any) -> float:
        return float(self.every(settings) if callable(self.every) else self.every)


@dataclass(frozen=True)
class Task:
    """A kind of one-off work, enqueued with a payload, retried with backoff until it succeeds."""

    name: str
    run: Callable[[JobRuntime, JobContext], Awaitable[JobResult]]
    max_attempts: int = 10


def backoff(attempt: int, *, base: float = 1.0, cap: float = 300.0) -> float:
    """Seconds before retrying after failed attempt `attempt` (1, 2, 4, ... capped), with ±20 % jitter."""
    delay = min(base * 2 ** max(attempt - 1, 0), cap)
    return delay * random.uniform(0.8, 1.2)


class JobQueue:
    """Enqueues tasks in the caller's transaction (they exist if and only if it commits)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.channel = jobs_channel(table.schema or "public")

    async def enqueue(
        self,
        session: AsyncSession,
        name: str,
        *,
        payload: Mapping[str, Any] | None = None,
        key: str | None = None,
        due_at: datetime | None = None,
        max_attempts: int | None = None,
    ) -> uuid.UUID | None:
        """Add a task; with a `key`, at most one task of that name and key exists (None when it
        already did: enqueueing is idempotent)."""
        job_id = uuid.uuid4()
        inserted = await session.execute(
            insert(self.table)
            .values(
                id=job_id,
                name=name,
                key=key if key is not None else str(job_id),
                payload=dict(payload or {}),
                state=PENDING,
                due_at=due_at or utcnow(),
                max_attempts=max_attempts,
            )
            .on_conflict_do_nothing(constraint="uq_jobs_name_key")
            .returning(self.table.c.id)
        )
        created = inserted.scalar()
        if created is not None:
            await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": self.channel})
        return created


@dataclass
class _Claimed:
    id: uuid.UUID
    name: str
    key: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int | None
    lease_token: uuid.UUID


@dataclass
class JobRunner:
    """Runs a service's periodic jobs and tasks until stopped; safe as several replicas."""

    service: str
    table: Table
    sessions: async_sessionmaker[AsyncSession]
    runtime: JobRuntime
    periodic: Sequence[Periodic] = ()
    tasks: Sequence[Task] = ()
    concurrency: int = 4
    lease_seconds: float = 15.0
    poll_seconds: float = 5.0
    listen_dsn: str | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _running: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._periodic = {job.name: job for job in self.periodic}
        self._tasks = {job.name: job for job in self.tasks}
        clash = self._periodic.keys() & self._tasks.keys()
        if clash:
            raise ValueError(f"job names used twice: {sorted(clash)}")

    @property
    def names(self) -> list[str]:
        return [*self._periodic, *self._tasks]

    async def run(self, stop: asyncio.Event) -> None:
        """Schedule the periodic jobs, then claim and run due jobs until `stop` is set."""
        if not self.names:
            return
        listener = None
        if self.listen_dsn:
            listener = asyncio.create_task(
                listen(self.listen_dsn, [jobs_channel(self.table.schema or "public")], self._wake.set, stop)
            )
        failures = 0
        scheduled = False
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    if not scheduled:
                        await self._schedule_periodic()
                        scheduled = True
                    room = self.concurrency - len(self._running)
                    for claimed in await self._claim(room) if room > 0 else []:
                        self._start(claimed, stop)
                    pause = await self._seconds_until_next_due()
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    _log.warning("job runner round failed; will retry", service=self.service, error=repr(exc))
                    pause = min(0.2 * 2**failures, self.poll_seconds)
                await wait_for_wake(self._wake, stop, timeout=pause)
        finally:
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
            if self._running:
                # Jobs see `stop` and end between steps; what is still running after the grace period
                # is cancelled and its lease runs out, so another worker takes it over.
                await asyncio.wait(self._running, timeout=10.0)
                for task in self._running:
                    task.cancel()
                await asyncio.gather(*self._running, return_exceptions=True)

    async def _schedule_periodic(self) -> None:
        if not self._periodic:
            return
        now = utcnow()
        async with self.sessions() as session, session.begin():
            await session.execute(
                insert(self.table)
                .values(
                    [
                        {"id": uuid.uuid4(), "name": name, "key": "", "state": PENDING, "due_at": now}
                        for name in self._periodic
                    ]
                )
                .on_conflict_do_nothing(constraint="uq_jobs_name_key")
            )
            # A job keeps the schedule an earlier worker left, but never further away than its
            # interval now is: a worker configured to run it more often (a shorter interval in a new
            # release or in tests) does not wait out a run planned under the longer one.
            for name, periodic in self._periodic.items():
                latest = now + timedelta(seconds=periodic.interval(self.runtime.settings))
                await session.execute(
                    update(self.table)
                    .where(
                        self.table.c.name == name,
                        self.table.c.key == "",
                        self.table.c.state == PENDING,
                        self.table.c.due_at > latest,
                    )
                    .values(due_at=latest)
                )

    async def _claim(self, limit: int) -> list[_Claimed]:
        table = self.table
        now = func.now()
        due = (
            select(table.c.id)
            .where(
                table.c.name.in_(self.names),
                ((table.c.state == PENDING) & (table.c.due_at <= now))
                | ((table.c.state == RUNNING) & (table.c.lease_until < now)),
            )
            .order_by(table.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with self.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    update(table)
                    .where(table.c.id.in_(due))
                    .values(
                        state=RUNNING,
                        attempts=table.c.attempts + 1,
                        lease_until=now + timedelta(seconds=self.lease_seconds),
                        lease_token=func.gen_random_uuid(),
                        updated_at=now,
                    )
                    .returning(
                        table.c.id,
                        table.c.name,
                        table.c.key,
                        table.c.payload,
                        table.c.attempts,
                        table.c.max_attempts,
                        table.c.lease_token,
                    )
                )
            ).all()
        return [
            _Claimed(
                id=row.id,
                name=row.name,
                key=row.key,
                payload=dict(row.payload or {}),
                attempts=row.attempts,
                max_attempts=row.max_attempts,
                lease_token=row.lease_token,
            )
            for row in rows
        ]

    async def _seconds_until_next_due(self) -> float:
        """Until the next job of ours falls due (or a lease runs out), at most `poll_seconds`."""
        table = self.table
        async with self.sessions() as session:
            next_due = await session.scalar(
                select(func.min(table.c.due_at)).where(table.c.name.in_(self.names), table.c.state == PENDING)
            )
            lease_end = await session.scalar(
                select(func.min(table.c.lease_until)).where(
                    table.c.name.in_(self.names), table.c.state == RUNNING
                )
            )
        moments = [moment for moment in (next_due, lease_end) if moment is not None]
        if not moments:
            return self.poll_seconds
        seconds = (min(moments) - utcnow()).total_seconds()
        return min(max(seconds, 0.01), self.poll_seconds)

    def _start(self, claimed: _Claimed, stop: asyncio.Event) -> None:
        task = asyncio.create_task(self._run_one(claimed, stop), name=f"job:{claimed.name}")
        self._running.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self._running.discard(done)
            self._wake.set()

        task.add_done_callback(finished)

    async def _run_one(self, claimed: _Claimed, stop: asyncio.Event) -> None:
        periodic = self._periodic.get(claimed.name)
        task = self._tasks.get(claimed.name)
        run = periodic.run if periodic is not None else task.run if task is not None else None
        assert run is not None
        context = JobContext(
            id=claimed.id,
            name=claimed.name,
            key=claimed.key,
            payload=claimed.payload,
            attempt=claimed.attempts,
            stop=stop,
        )
        # What the job changes, and the events it publishes, are the platform's doing under its name.
        actor_var.set(Actor.platform(claimed.name))
        heartbeat = asyncio.create_task(self._heartbeat(claimed))
        started = time.perf_counter()
        outcome: JobResult | BaseException
        try:
            outcome = await run(self.runtime, context)
        except asyncio.CancelledError:
            heartbeat.cancel()
            raise
        except Exception as exc:
            outcome = exc
        finally:
            heartbeat.cancel()
            JOB_SECONDS.labels(self.service, claimed.name).observe(time.perf_counter() - started)
        await self._record(claimed, periodic, task, outcome)

    async def _heartbeat(self, claimed: _Claimed) -> None:
        """Renew the lease while the job runs, so a live job is never taken over."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                async with self.sessions() as session, session.begin():
                    await session.execute(
                        update(self.table)
                        .where(self.table.c.id == claimed.id, self.table.c.lease_token == claimed.lease_token)
                        .values(lease_until=func.now() + timedelta(seconds=self.lease_seconds))
                    )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.info("job heartbeat failed", job=claimed.name, error=repr(exc))

    async def _record(
        self,
        claimed: _Claimed,
        periodic: Periodic | None,
        task: Task | None,
        outcome: JobResult | BaseException,
    ) -> None:
        table = self.table
        now = utcnow()
        values: dict[str, Any] = {"lease_until": None, "lease_token": None, "updated_at": now}
        if isinstance(outcome, BaseException):
            error = f"{type(outcome).__name__}: {outcome}"[:1000]
            values["last_error"] = error
            limit = claimed.max_attempts or (task.max_attempts if task else 0)
            if task is not None and (isinstance(outcome, PermanentFailure) or claimed.attempts >= limit):
                values.update(state=FAILED, finished_at=now)
                result = "failed"
                _log.error("job failed for good", job=claimed.name, key=claimed.key, error=error)
            else:
                delay = backoff(claimed.attempts)
                if periodic is not None:
                    delay = min(delay, periodic.interval(self.runtime.settings))
                values.update(state=PENDING, due_at=now + timedelta(seconds=delay))
                result = "retry"
                _log.warning("job failed; retrying", job=claimed.name, retry_in=round(delay, 1), error=error)
        elif isinstance(outcome, Again):
            # Progress, not a failure: `attempts` counts failures in a row, so a long task that
            # hands over between steps (a stopping worker) never runs out of attempts.
            values.update(state=PENDING, due_at=now + timedelta(seconds=outcome.seconds), attempts=0)
            result = "again"
        elif periodic is not None:
            every = periodic.interval(self.runtime.settings)
            values.update(state=PENDING, due_at=now + timedelta(seconds=every), attempts=0, last_error=None)
            result = "done"
        else:
            values.update(state=DONE, finished_at=now, last_error=None)
            result = "done"
        JOB_RUNS.labels(self.service, claimed.name, result).inc()
        delay = 0.1
        for _ in range(20):
            try:
                async with self.sessions() as session, session.begin():
                    await session.execute(
                        update(table)
                        .where(table.c.id == claimed.id, table.c.lease_token == claimed.lease_token)
                        .values(**values)
                    )
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The database is restarting: the lease runs out if this never lands, and the job
                # runs again (jobs are idempotent by design).
                _log.warning("could not record job outcome; retrying", job=claimed.name, error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
