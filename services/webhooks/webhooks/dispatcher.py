"""The delivery job of a worker: claims due deliveries, attempts them concurrently, records outcomes.

Concurrency is bounded twice: `delivery_concurrency` attempts in flight per worker, and
`endpoint_concurrency` of them per endpoint (see `claims`), with every attempt bounded by its
timeouts, so a slow endpoint only ever slows itself. Deliveries are claimed up to twice those
limits ahead and started as slots free up, so claiming overlaps sending.

It runs as a long-running loop of the worker (`deliver`, a `loops=` entry of `run_worker`), not as
a job: it is a high-throughput claimer, fair per endpoint, with its own leases per delivery.

Delivery is at least once. Every attempt is logged as `sending` before its request leaves (one
statement per round of starts), and the deliveries a worker holds stay under a short lease that a
heartbeat renews: a worker that dies mid-attempt leaves a true log, and its deliveries are
attempted again within `delivery_lease_seconds`, with the same `webhook-id`, which is what
receivers deduplicate on.

The dispatcher claims when deliveries are inserted (LISTEN/NOTIFY from the consumer's commit: the
first attempt is immediate), when one of its own retries falls due, when what it claimed ahead
for an endpoint runs low (a finished attempt starts a waiting one; claiming again once half of
them are gone takes several at a time, not one claim per attempt), and otherwise polls (retries
scheduled by other replicas, leases that ran out). Outcomes are recorded in batches by a recorder
task, which retries until the database takes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter, deque
from typing import cast

import httpcore
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.listening import listen, listen_dsn
from shared.logging import get_logger
from shared.outbound import EndpointPools, Verdict
from shared.runtime import Runtime
from shared.secret_box import SecretBox
from shared.stopping import sleep_or_stop, wait_for_wake
from webhooks import claims, outcomes, sender
from webhooks.claims import ClaimedDelivery
from webhooks.config import WebhooksSettings
from webhooks.models import SCHEMA
from webhooks.outcomes import Outcome
from webhooks.signing import secret_key

_log = get_logger("webhooks.dispatcher")

NOTIFY_CHANNEL = f"{SCHEMA}_deliveries"
# While attempts are under way, several completions in a row are claimed for together rather than
# one claim each.
CLAIM_COALESCE_SECONDS = 0.005
# Deliveries claimed per endpoint (and per worker) up to this many times the in-flight limits.
CLAIM_AHEAD = 2
RECORD_BATCH = 500
RECORD_LINGER_SECONDS = 0.02
POOL_HOUSEKEEPING_SECONDS = 30.0
_KEY_CACHE_SIZE = 10_000


class Dispatcher:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        settings: WebhooksSettings,
        listen_dsn: str | None = None,
    ) -> None:
        self.sessions = sessions
        # Claims and most recordings are single statements: autocommit spares BEGIN/COMMIT.
        self.autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.settings = settings
        self.listen_dsn = listen_dsn
        self.policy = settings.destination_policy()
        self.box = SecretBox(settings.secret_encryption_keys)
        self._wake = asyncio.Event()
        # New work may be due (a NOTIFY, a retry timer, a listener reconnection): claim even if
        # nothing claimed ahead runs low. Stays set until a claim is made.
        self._work = True
        self._in_flight: Counter[uuid.UUID] = Counter()
        self._attempts: set[asyncio.Task[None]] = set()
        # Claimed ahead, per endpoint, and started as its slots free up: the next claim's round
        # trip overlaps with the requests under way instead of following them.
        self._backlog: dict[uuid.UUID, deque[ClaimedDelivery]] = {}
        self._results: asyncio.Queue[Outcome | None] = asyncio.Queue()
        self._keys: dict[str, bytes] = {}
        self._pools = EndpointPools(self.policy, per_endpoint=settings.endpoint_concurrency)
        self._stopping = False
        # Every delivery this worker holds (waiting, under way, or not yet recorded), by id: the
        # heartbeat renews their leases, so the lease can be short however long they take.
        self._held: dict[uuid.UUID, ClaimedDelivery] = {}
        # Attempts about to start, logged together by `_begin_loop` before any of them is sent.
        self._to_begin: list[tuple[ClaimedDelivery, asyncio.Future[int | None]]] = []
        self._begin_wake = asyncio.Event()
        self.lease_seconds = settings.delivery_lease_seconds

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._listen(stop))
        recorder = asyncio.create_task(self._record_loop())
        heartbeat = asyncio.create_task(self._heartbeat())
        beginner = asyncio.create_task(self._begin_loop())
        try:
            await self._dispatch(stop)
        finally:
            self._stopping = True
            listener.cancel()
            await self._release_backlog()
            # Attempts under way finish (within their timeout) and are recorded before exiting;
            # anything left is due again when its lease ends.
            if self._attempts:
                await asyncio.wait(self._attempts, timeout=self.settings.request_timeout_seconds + 1.0)
            for task in self._attempts:
                task.cancel()
            beginner.cancel()
            self._results.put_nowait(None)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(recorder, timeout=10.0)
            # Whatever is still held (unrecorded) is attempted again when its lease ends.
            heartbeat.cancel()
            await asyncio.gather(listener, heartbeat, beginner, return_exceptions=True)
            await self._pools.aclose()

    # --- claiming and attempting -----------------------------------------------------------------

    async def _dispatch(self, stop: asyncio.Event) -> None:
        failures = 0
        loop = asyncio.get_running_loop()
        housekeeping = last_claim = loop.time()
        while not stop.is_set():
            if loop.time() - housekeeping > POOL_HOUSEKEEPING_SECONDS:
                housekeeping = loop.time()
                await self._pools.close_idle(busy=self._in_flight.keys() | self._backlog.keys())
            self._wake.clear()
            held = len(self._attempts) + sum(len(waiting) for waiting in self._backlog.values())
            room = CLAIM_AHEAD * self.settings.delivery_concurrency - held
            polling = loop.time() - last_claim >= self.settings.dispatch_poll_seconds
            if room > 0 and (self._work or polling):
                self._work = False
                last_claim = loop.time()
                try:
                    claimed = await self._claim(room)
                    failures = 0
                except Exception as exc:
                    failures += 1
                    self._work = True
                    _log.warning("claiming deliveries failed; will retry", error=repr(exc))
                    await sleep_or_stop(stop, min(0.1 * 2**failures, 5.0))
                    continue
                for delivery in claimed:
                    self._held[delivery.id] = delivery
                    self._backlog.setdefault(delivery.endpoint_id, deque()).append(delivery)
                self._start_backlog()
            await wait_for_wake(self._wake, stop, timeout=self.settings.dispatch_poll_seconds)
            if self._attempts:
                # Busy: completions come in runs, claimed for together. Idle: a new delivery is
                # claimed at once (its first attempt is immediate).
                await asyncio.sleep(CLAIM_COALESCE_SECONDS)

    def _new_work(self) -> None:
        self._work = True
        self._wake.set()

    async def _claim(self, slots: int) -> list[ClaimedDelivery]:
        held = Counter(self._in_flight)
        for endpoint, waiting in self._backlog.items():
            held[endpoint] += len(waiting)
        async with self.autocommit.connect() as connection:
            return await claims.claim_due(
                connection,
                slots=slots,
                per_endpoint=CLAIM_AHEAD * self.settings.endpoint_concurrency,
                in_flight={endpoint: count for endpoint, count in held.items() if count > 0},
                lease_seconds=self.lease_seconds,
            )

    def _start_backlog(self) -> None:
        """Start what the limits allow, one per endpoint per round, so endpoints share the slots."""
        limit = self.settings.endpoint_concurrency
        progress = True
        while progress and self._backlog and len(self._attempts) < self.settings.delivery_concurrency:
            progress = False
            for endpoint in list(self._backlog):
                if len(self._attempts) >= self.settings.delivery_concurrency:
                    break
                waiting = self._backlog[endpoint]
                if self._in_flight[endpoint] < limit:
                    self._start(waiting.popleft())
                    progress = True
                if not waiting:
                    del self._backlog[endpoint]

    async def _begin_loop(self) -> None:
        """Log attempts before they are sent (`claims.begin`): whatever is waiting, in one statement.
        Attempts that start while a statement runs wait for the next one, so under load a statement
        logs many, and an idle worker adds no delay."""
        while True:
            await self._begin_wake.wait()
            self._begin_wake.clear()
            batch, self._to_begin = self._to_begin, []
            if not batch:
                continue
            logged: dict[uuid.UUID, int] = {}
            try:
                async with self.autocommit.connect() as connection:
                    logged = await claims.begin(connection, [delivery for delivery, _ in batch])
            except Exception as exc:
                # Nothing is sent; the deliveries are due again when their leases end.
                _log.warning("logging attempts before sending failed", count=len(batch), error=repr(exc))
            for delivery, begun in batch:
                if not begun.done():
                    begun.set_result(logged.get(delivery.id))

    def _let_go(self, delivery: ClaimedDelivery) -> None:
        """Stop renewing the lease of this claim (not of a newer claim of the same delivery)."""
        held = self._held.get(delivery.id)
        if held is not None and held.claim_token == delivery.claim_token:
            del self._held[delivery.id]

    def _start(self, delivery: ClaimedDelivery) -> None:
        """Start attempting `delivery`, once its attempt is logged."""
        try:
            keys = [self._key(delivery.secret)]
            if delivery.previous_secret is not None:
                keys.append(self._key(delivery.previous_secret))
        except ValueError as exc:  # a secret sealed with a key no longer configured
            _log.error("endpoint secret unreadable", endpoint_id=str(delivery.endpoint_id), error=str(exc))
            self._let_go(delivery)  # not attempted: due again when the lease ends, once the keys are fixed
            return
        begun: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._to_begin.append((delivery, begun))
        self._begin_wake.set()
        self._in_flight[delivery.endpoint_id] += 1
        task = asyncio.create_task(
            self._attempt(self._pools.get(delivery.endpoint_id), delivery, keys, begun)
        )
        self._attempts.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self._attempts.discard(done)
            if done.cancelled() or done.exception() is not None:
                # No outcome to record: stop renewing the lease, so that the delivery is due again
                # when it ends instead of being held (and renewed) for as long as the worker lives.
                if not done.cancelled():
                    _log.error(
                        "delivery attempt failed unexpectedly",
                        delivery_id=str(delivery.id),
                        error=repr(done.exception()),
                    )
                self._let_go(delivery)
            self._in_flight[delivery.endpoint_id] -= 1
            if self._in_flight[delivery.endpoint_id] <= 0:
                del self._in_flight[delivery.endpoint_id]
            if not self._stopping:
                self._start_backlog()
                waiting = len(self._backlog.get(delivery.endpoint_id, ()))
                if waiting * 2 < self.settings.endpoint_concurrency:
                    # Less than half of this endpoint's share is waiting: claim for it again
                    # before its slots go idle (but not after every attempt).
                    self._work = True
            self._wake.set()

        task.add_done_callback(finished)

    async def _release_backlog(self) -> None:
        """At shutdown, hand back what was claimed but not started: due again at once, not after
        its lease."""
        waiting = [delivery for queue in self._backlog.values() for delivery in queue]
        self._backlog.clear()
        if not waiting:
            return
        for delivery in waiting:
            self._let_go(delivery)
        try:
            async with self.autocommit.connect() as connection:
                await claims.release(connection, waiting)
        except Exception as exc:
            _log.warning("could not release claimed deliveries", count=len(waiting), error=repr(exc))

    async def _attempt(
        self,
        pool: httpcore.AsyncConnectionPool,
        delivery: ClaimedDelivery,
        keys: list[bytes],
        begun: asyncio.Future[int | None],
    ) -> None:
        attempt_id = await asyncio.shield(begun)
        if attempt_id is None:
            # Not logged (so not sent): the claim was taken over, or the log could not be written.
            self._let_go(delivery)
            return
        result = await sender.attempt(
            pool,
            url=delivery.url,
            policy=self.policy,
            message_id=str(delivery.event_id),
            body=delivery.body,
            keys=keys,
            connect_timeout=self.settings.connect_timeout_seconds,
            timeout=self.settings.request_timeout_seconds,
        )
        decision = self.settings.retry_decision(
            attempt=delivery.attempt, status_code=result.status_code, retry_after=result.retry_after
        )
        self._results.put_nowait(Outcome(delivery, attempt_id, result, decision))

    def _key(self, sealed: str) -> bytes:
        key = self._keys.get(sealed)
        if key is None:
            if len(self._keys) >= _KEY_CACHE_SIZE:
                self._keys.clear()
            key = self._keys[sealed] = secret_key(self.box.open(sealed))
        return key

    # --- recording ---------------------------------------------------------------------------------

    async def _record_loop(self) -> None:
        finishing = False
        while not finishing:
            first = await self._results.get()
            if first is None:
                break
            batch = [first]
            # Results that arrive within the linger commit together: recording never holds up an
            # attempt (its slot is free already), so fewer, larger transactions cost nothing.
            deadline = asyncio.get_running_loop().time() + RECORD_LINGER_SECONDS
            while len(batch) < RECORD_BATCH and not finishing:
                try:
                    item = await asyncio.wait_for(
                        self._results.get(), timeout=max(deadline - asyncio.get_running_loop().time(), 0)
                    )
                except TimeoutError:
                    break
                if item is None:
                    finishing = True
                else:
                    batch.append(item)
            await self._record(batch)

    async def _record(self, batch: list[Outcome]) -> None:
        delay = 0.1
        while True:
            try:
                if outcomes.disables_endpoints(batch):
                    async with self.sessions() as session, session.begin():
                        await outcomes.record(session, batch)
                else:
                    async with self.autocommit.connect() as connection:
                        await outcomes.log_attempts(connection, batch)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopping and delay > 1.0:
                    # Unrecorded attempts are made again when their leases end.
                    _log.warning("not recorded at shutdown", count=len(batch), error=repr(exc))
                    for outcome in batch:
                        self._let_go(outcome.delivery)
                    return
                _log.warning("recording attempts failed; will retry", count=len(batch), error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        loop = asyncio.get_running_loop()
        for outcome in batch:
            self._let_go(outcome.delivery)
            retry_in = outcome.decision.retry_in
            retrying = outcome.decision.verdict is Verdict.RETRY and retry_in is not None
            if retrying and retry_in < self.settings.dispatch_poll_seconds:
                loop.call_later(retry_in, self._new_work)

    # --- leases ----------------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        """Renew the leases of every delivery held, every third of a lease (as `shared.jobs` renews
        its jobs'), so a live worker keeps them however long they wait or take, and a dead one
        lets them go within a lease."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            held = list(self._held.values())
            if not held:
                continue
            try:
                async with self.autocommit.connect() as connection:
                    await claims.renew(connection, held, lease_seconds=self.lease_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("renewing delivery leases failed", count=len(held), error=repr(exc))

    # --- wake-ups --------------------------------------------------------------------------------

    async def _listen(self, stop: asyncio.Event) -> None:
        if self.listen_dsn:
            await listen(self.listen_dsn, [NOTIFY_CHANNEL], self._new_work, stop)


async def deliver(runtime: Runtime, stop: asyncio.Event) -> None:
    """The worker's delivery loop, until `stop` is set."""
    settings = cast(WebhooksSettings, runtime.settings)
    dispatcher = Dispatcher(
        engine=runtime.engine,
        sessions=runtime.sessions,
        settings=settings,
        listen_dsn=listen_dsn(settings.database_url),
    )
    await dispatcher.run(stop)
