"""Durable jobs on real PostgreSQL: periodic work once across replicas, tasks retried with backoff,
failed for good after their last attempt, taken over within a lease when a worker dies."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, session_factory
from shared.jobs import Again, JobContext, JobQueue, JobRunner, Periodic, PermanentFailure, Task, backoff
from shared.listening import listen_dsn
from shared.messaging_tables import job_table
from tests.conftest import Platform
from tests.toolkit import eventually


@dataclass
class _Runtime:
    settings: Any = None


@dataclass
class Jobs:
    table: Table
    sessions: async_sessionmaker[AsyncSession]
    database_url: str

    def runner(self, *, periodic: list[Periodic] = [], tasks: list[Task] = [], **options: Any) -> JobRunner:  # noqa: B006
        return JobRunner(
            service="jobtest",
            table=self.table,
            sessions=self.sessions,
            runtime=_Runtime(),
            periodic=periodic,
            tasks=tasks,
            listen_dsn=listen_dsn(self.database_url),
            **{"lease_seconds": 3.0, "poll_seconds": 0.5, **options},
        )

    async def rows(self) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.execute(select(self.table).order_by(self.table.c.created_at))).all())


@pytest.fixture
async def jobs(platform: Platform) -> AsyncIterator[Jobs]:
    schema = f"jobs_{uuid.uuid4().hex[:10]}"
    engine = create_engine(platform.database_url, pool_size=4)
    table = job_table(MetaData(schema=schema))
    async with engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await connection.run_sync(table.metadata.create_all)
    try:
        yield Jobs(table=table, sessions=session_factory(engine), database_url=platform.database_url)
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


@contextlib.asynccontextmanager
async def running(*runners: JobRunner) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(runner.run(stop)) for runner in runners]
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=20)


async def test_a_periodic_job_runs_once_per_interval_across_two_replicas(jobs: Jobs) -> None:
    runs: list[float] = []

    async def tick(runtime: Any, job: JobContext) -> None:
        runs.append(asyncio.get_running_loop().time())
        await asyncio.sleep(0.05)

    periodic = Periodic("tick", tick, every=1.0)
    async with running(jobs.runner(periodic=[periodic]), jobs.runner(periodic=[periodic])):
        await eventually(lambda: _true(len(runs) >= 3), timeout=10)
    gaps = [later - earlier for earlier, later in itertools.pairwise(runs)]
    # Two replicas never ran it side by side: every run started about an interval after the last.
    assert all(gap >= 0.9 for gap in gaps), gaps
    (row,) = await jobs.rows()
    assert row.state == "pending" and row.key == ""


async def test_a_periodic_job_keeps_its_schedule_across_a_restart(jobs: Jobs) -> None:
    runs = 0

    async def rarely(runtime: Any, job: JobContext) -> None:
        nonlocal runs
        runs += 1

    periodic = Periodic("rarely", rarely, every=3600)
    async with running(jobs.runner(periodic=[periodic])):
        await eventually(lambda: _true(runs == 1), timeout=10)
    # A new worker finds the next run an hour away: it does not run it again on start.
    async with running(jobs.runner(periodic=[periodic])):
        await asyncio.sleep(1.0)
    assert runs == 1


async def test_a_worker_running_a_periodic_job_more_often_does_not_wait_out_the_old_schedule(
    jobs: Jobs,
) -> None:
    runs = 0

    async def scan(runtime: Any, job: JobContext) -> None:
        nonlocal runs
        runs += 1

    async with running(jobs.runner(periodic=[Periodic("scan", scan, every=3600)])):
        await eventually(lambda: _true(runs == 1), timeout=10)
    # The next worker runs it every half second (a new release, or tests): its next run comes
    # within that, not an hour after the last one.
    async with running(jobs.runner(periodic=[Periodic("scan", scan, every=0.5)])):
        await eventually(lambda: _true(runs >= 3), timeout=10, what="runs at the new interval")
    (row,) = await jobs.rows()
    assert row.state == "pending"


async def test_a_periodic_job_asking_again_runs_at_once_until_its_work_is_done(jobs: Jobs) -> None:
    batches = [3, 3, 1]

    async def drain(runtime: Any, job: JobContext) -> Again | None:
        batch = batches.pop(0)
        return Again() if batch == 3 else None

    async with running(jobs.runner(periodic=[Periodic("drain", drain, every=3600)])):
        await eventually(lambda: _true(not batches), timeout=5)


async def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs(jobs: Jobs) -> None:
    queue = JobQueue(jobs.table)
    with contextlib.suppress(RuntimeError):
        async with jobs.sessions() as session, session.begin():
            await queue.enqueue(session, "work", payload={"n": 1})
            raise RuntimeError("the change failed")
    assert await jobs.rows() == []


async def test_a_task_is_enqueued_once_per_key_and_runs_with_its_payload(jobs: Jobs) -> None:
    queue = JobQueue(jobs.table)
    seen: list[dict[str, Any]] = []

    async def work(runtime: Any, job: JobContext) -> None:
        seen.append(dict(job.payload))

    async with jobs.sessions() as session, session.begin():
        first = await queue.enqueue(session, "work", payload={"n": 1}, key="import-1")
        again = await queue.enqueue(session, "work", payload={"n": 2}, key="import-1")
    assert first is not None and again is None
    async with running(jobs.runner(tasks=[Task("work", work)])):
        await eventually(lambda: _true(seen == [{"n": 1}]), timeout=5)
        (row,) = await eventually(_done_rows(jobs), timeout=5)
    assert row.state == "done" and row.attempts == 1


async def test_a_failing_task_is_retried_with_backoff_then_fails_for_good(jobs: Jobs) -> None:
    queue = JobQueue(jobs.table)
    attempts: list[int] = []

    async def flaky(runtime: Any, job: JobContext) -> None:
        attempts.append(job.attempt)
        raise ConnectionError("the mail server is down")

    async with jobs.sessions() as session, session.begin():
        await queue.enqueue(session, "flaky", max_attempts=3)
    async with running(jobs.runner(tasks=[Task("flaky", flaky)])):
        (row,) = await eventually(_rows_in(jobs, "failed"), timeout=20)
    assert attempts == [1, 2, 3]
    assert row.attempts == 3 and "mail server is down" in row.last_error


async def test_a_permanent_failure_is_not_retried(jobs: Jobs) -> None:
    queue = JobQueue(jobs.table)
    attempts = 0

    async def hopeless(runtime: Any, job: JobContext) -> None:
        nonlocal attempts
        attempts += 1
        raise PermanentFailure("the import file is not CSV")

    async with jobs.sessions() as session, session.begin():
        await queue.enqueue(session, "hopeless")
    async with running(jobs.runner(tasks=[Task("hopeless", hopeless)])):
        await eventually(_rows_in(jobs, "failed"), timeout=10)
    assert attempts == 1


async def test_a_task_held_by_a_dead_worker_is_taken_over_when_its_lease_ends(jobs: Jobs) -> None:
    queue = JobQueue(jobs.table)
    started = asyncio.Event()
    finished: list[str] = []

    async def hangs(runtime: Any, job: JobContext) -> None:
        started.set()
        await asyncio.Event().wait()  # the worker "dies" here: no outcome, no heartbeat

    async def completes(runtime: Any, job: JobContext) -> None:
        finished.append(job.key)

    async with jobs.sessions() as session, session.begin():
        await queue.enqueue(session, "import", key="batch-7")
    dying = jobs.runner(tasks=[Task("import", hangs)], lease_seconds=1.5)
    stop = asyncio.Event()
    doomed = asyncio.create_task(dying.run(stop))
    await asyncio.wait_for(started.wait(), timeout=5)
    doomed.cancel()  # killed: its heartbeat stops with it
    with contextlib.suppress(asyncio.CancelledError):
        await doomed
    async with running(jobs.runner(tasks=[Task("import", completes)])):
        await eventually(lambda: _true(finished == ["batch-7"]), timeout=10)
    (row,) = await jobs.rows()
    assert row.state == "done" and row.attempts == 2


async def test_a_long_task_keeps_its_lease_with_heartbeats(jobs: Jobs) -> None:
    queue = JobQueue(jobs.table)
    runs = 0

    async def slow(runtime: Any, job: JobContext) -> None:
        nonlocal runs
        runs += 1
        await asyncio.sleep(3.0)  # twice the lease

    async with jobs.sessions() as session, session.begin():
        await queue.enqueue(session, "slow")
    async with running(
        jobs.runner(tasks=[Task("slow", slow)], lease_seconds=1.5),
        jobs.runner(tasks=[Task("slow", slow)], lease_seconds=1.5),
    ):
        await eventually(_done_rows(jobs), timeout=15)
    assert runs == 1


def test_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    assert 0.8 <= backoff(1) <= 1.2
    assert 6.4 <= backoff(4) <= 9.6
    assert backoff(30, cap=300) <= 360


async def _true(value: bool) -> bool:
    return value


def _rows_in(jobs: Jobs, state: str) -> Any:
    async def probe() -> list[Any] | None:
        rows = await jobs.rows()
        return rows if rows and all(row.state == state for row in rows) else None

    return probe


def _done_rows(jobs: Jobs) -> Any:
    return _rows_in(jobs, "done")
