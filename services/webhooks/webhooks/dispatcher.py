"""The delivery job of a worker: claims due deliveries, attempts them concurrently, records outcomes.

Concurrency is bounded twice: `delivery_concurrency` attempts in flight per worker, and
`endpoint_concurrency` of them per endpoint (see `claims`), with every attempt bounded by its
timeouts, so a slow endpoint only ever slows itself. Deliveries are claimed up to twice those
limits ahead and started as slots free up, so claiming overlaps sending.

The dispatcher wakes when deliveries are inserted (LISTEN/NOTIFY from the consumer's commit: the
first attempt is immediate), when an attempt finishes (a slot is free), when one of its own
retries falls due, and otherwise polls (retries scheduled by other replicas, leases that ran
out). Outcomes are recorded in batches by a recorder task, which retries until the database
takes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter, deque

import asyncpg
import httpcore
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.logging import get_logger
from webhooks import claims, outcomes, sender
from webhooks.claims import ClaimedDelivery
from webhooks.config import WebhooksSettings
from webhooks.destinations import DestinationPolicy
from webhooks.models import SCHEMA
from webhooks.outcomes import Outcome
from webhooks.pinned_transport import EndpointPools
from webhooks.retry_policy import Verdict, decide, parse_retry_after
from webhooks.secret_box import SecretBox
from webhooks.signing import secret_key

_log = get_logger("webhooks.dispatcher")

NOTIFY_CHANNEL = f"{SCHEMA}_deliveries"
# Several completions in a row are claimed for together rather than one claim each.
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
        self.policy = DestinationPolicy.from_allowlist(
            settings.destination_allowlist, allow_http=settings.allow_http
        )
        self.box = SecretBox(settings.secret_encryption_keys)
        self._wake = asyncio.Event()
        self._in_flight: Counter[uuid.UUID] = Counter()
        self._attempts: set[asyncio.Task[None]] = set()
        # Claimed ahead, per endpoint, and started as its slots free up: the next claim's round
        # trip overlaps with the requests under way instead of following them.
        self._backlog: dict[uuid.UUID, deque[ClaimedDelivery]] = {}
        self._results: asyncio.Queue[Outcome | None] = asyncio.Queue()
        self._keys: dict[str, bytes] = {}
        self._pools = EndpointPools(self.policy, per_endpoint=settings.endpoint_concurrency)
        self._stopping = False
        attempt_seconds = settings.connect_timeout_seconds + settings.request_timeout_seconds
        # A claimed delivery may wait behind one round of attempts to its endpoint, then take one:
        # the claim's lease covers both, plus room for recording.
        self.lease_seconds = CLAIM_AHEAD * attempt_seconds + 60.0

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._listen(stop))
        recorder = asyncio.create_task(self._record_loop())
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
            self._results.put_nowait(None)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(recorder, timeout=10.0)
            await asyncio.gather(listener, return_exceptions=True)
            await self._pools.aclose()

    # --- claiming and attempting -----------------------------------------------------------------

    async def _dispatch(self, stop: asyncio.Event) -> None:
        failures = 0
        housekeeping = asyncio.get_running_loop().time()
        while not stop.is_set():
            if asyncio.get_running_loop().time() - housekeeping > POOL_HOUSEKEEPING_SECONDS:
                housekeeping = asyncio.get_running_loop().time()
                await self._pools.close_idle(busy=self._in_flight.keys() | self._backlog.keys())
            self._wake.clear()
            held = len(self._attempts) + sum(len(waiting) for waiting in self._backlog.values())
            room = CLAIM_AHEAD * self.settings.delivery_concurrency - held
            if room > 0:
                try:
                    claimed = await self._claim(room)
                    failures = 0
                except Exception as exc:
                    failures += 1
                    _log.warning("claiming deliveries failed; will retry", error=repr(exc))
                    await _sleep_or_stop(stop, min(0.1 * 2**failures, 5.0))
                    continue
                for delivery in claimed:
                    self._backlog.setdefault(delivery.endpoint_id, deque()).append(delivery)
                self._start_backlog()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    _first_of(self._wake, stop), timeout=self.settings.dispatch_poll_seconds
                )
            await asyncio.sleep(CLAIM_COALESCE_SECONDS)

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

    def _start(self, delivery: ClaimedDelivery) -> None:
        self._in_flight[delivery.endpoint_id] += 1
        task = asyncio.create_task(self._attempt(self._pools.get(delivery.endpoint_id), delivery))
        self._attempts.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self._attempts.discard(done)
            self._in_flight[delivery.endpoint_id] -= 1
            if self._in_flight[delivery.endpoint_id] <= 0:
                del self._in_flight[delivery.endpoint_id]
            if not self._stopping:
                self._start_backlog()
            self._wake.set()

        task.add_done_callback(finished)

    async def _release_backlog(self) -> None:
        """At shutdown, hand back what was claimed but not started: due again at once, not after
        its lease."""
        waiting = [delivery for queue in self._backlog.values() for delivery in queue]
        self._backlog.clear()
        if not waiting:
            return
        try:
            async with self.autocommit.connect() as connection:
                await claims.release(connection, waiting)
        except Exception as exc:
            _log.warning("could not release claimed deliveries", count=len(waiting), error=repr(exc))

    async def _attempt(self, pool: httpcore.AsyncConnectionPool, delivery: ClaimedDelivery) -> None:
        try:
            keys = [self._key(delivery.secret)]
            if delivery.previous_secret is not None:
                keys.append(self._key(delivery.previous_secret))
        except ValueError as exc:  # a secret sealed with a key no longer configured
            _log.error("endpoint secret unreadable", endpoint_id=str(delivery.endpoint_id), error=str(exc))
            return  # not attempted: due again when the lease ends, once the keys are fixed
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
        decision = decide(
            attempt=delivery.attempt,
            status_code=result.status_code,
            retry_after=parse_retry_after(result.retry_after),
            schedule=self.settings.retry_schedule_seconds,
            scale=self.settings.retry_scale,
            jitter=self.settings.retry_jitter,
        )
        self._results.put_nowait(Outcome(delivery, result, decision))

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
                    return
                _log.warning("recording attempts failed; will retry", count=len(batch), error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        loop = asyncio.get_running_loop()
        for outcome in batch:
            retry_in = outcome.decision.retry_in
            retrying = outcome.decision.verdict is Verdict.RETRY and retry_in is not None
            if retrying and retry_in < self.settings.dispatch_poll_seconds:
                loop.call_later(retry_in, self._wake.set)

    # --- wake-ups --------------------------------------------------------------------------------

    async def _listen(self, stop: asyncio.Event) -> None:
        if not self.listen_dsn:
            return
        while not stop.is_set():
            try:
                connection = await asyncpg.connect(self.listen_dsn)
                try:
                    await connection.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
                    self._wake.set()  # catch up on what was inserted while not listening
                    while not stop.is_set() and not connection.is_closed():
                        await _sleep_or_stop(stop, 5.0)
                        await connection.execute("SELECT 1")
                finally:
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.info("deliveries listener reconnecting", error=repr(exc))
                await _sleep_or_stop(stop, 1.0)


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
