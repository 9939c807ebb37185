"""The sender loop of a worker: claims due deliveries, renders and sends them, records outcomes.

It runs as a long-running loop of the worker (`send`, a `loops=` entry of `run_worker`) rather
than one `shared.jobs` task per message: a job costs a claim, a heartbeat and a record of its own
per message, where this loop claims a batch in one statement and records outcomes in batched
transactions, which is what lets one worker hand 300+ emails a second to a mail server. The
durable parts are the same: rows claimed under a lease with `SKIP LOCKED` (safe as replicas),
backoff between attempts (`shared.jobs.backoff`, or the chat provider's `Retry-After` through the
platform's outbound retry policy), and nothing lost if the worker dies.

Emails go over `smtp_connections` kept-open SMTP connections, one message at a time each; chat
messages go through the pinned HTTP clients. Each delivery is recorded `sending` just before its
message data leaves (see service/deliveries.py for what happens if the worker dies then).
A per-organization rate limit (messages per minute, in this worker) puts back what would exceed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from typing import cast

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from notifications import claims, composing
from notifications.channels.attempts import Attempt, Result
from notifications.channels.chat import ChatSenders
from notifications.channels.smtp import SmtpConnection, SmtpServer
from notifications.claims import ClaimedDelivery
from notifications.composing import Chat, Composer, Email
from notifications.config import NotificationsSettings
from notifications.metrics import DELIVERY_OUTCOMES, EMAIL_SECONDS
from notifications.service import DISPATCH_CHANNEL
from notifications.service.deliveries import Outcome, record
from shared.clock import utcnow
from shared.listening import listen, listen_dsn
from shared.logging import get_logger
from shared.runtime import Runtime
from shared.stopping import sleep_or_stop, wait_for_wake

_log = get_logger("notifications.dispatcher")

RECORD_BATCH = 500
RECORD_LINGER_SECONDS = 0.02


class RateLimiter:
    """Messages per minute per organization, over a sliding minute (in this worker)."""

    def __init__(self) -> None:
        self._sent: dict[str, deque[float]] = defaultdict(deque)

    def wait(self, organization: str, per_minute: int) -> float:
        """0 to send now (and it is counted), else seconds until there is room."""
        now = time.monotonic()
        sent = self._sent[organization]
        while sent and sent[0] <= now - 60.0:
            sent.popleft()
        if len(sent) < per_minute:
            sent.append(now)
            return 0.0
        return max(sent[0] + 60.0 - now, 0.05)


class SendingMarks:
    """Records deliveries `sending` for all the connections at once: a send that reaches its DATA
    waits for its mark, and one statement marks every send that asked meanwhile. The first asks
    alone (no wait added); while its statement runs, the others gather for the next, so a worker
    with 16 connections makes about one statement per 16 emails instead of one per email."""

    def __init__(self, autocommit: AsyncEngine, *, lease_seconds: float) -> None:
        self.autocommit = autocommit
        self.lease_seconds = lease_seconds
        self._asked: list[tuple[ClaimedDelivery, str | None, asyncio.Future[bool]]] = []
        self._wake = asyncio.Event()

    async def mark(self, item: ClaimedDelivery, message_id: str | None) -> bool:
        """Whether the delivery was marked (False: no longer this claim's; do not send it). Raises
        what the database raised, as a statement of its own would."""
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._asked.append((item, message_id, answer))
        self._wake.set()
        return await answer

    async def run(self) -> None:
        """Mark what was asked, round after round, until cancelled."""
        asked: list[tuple[ClaimedDelivery, str | None, asyncio.Future[bool]]] = []
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                # Those whose sender was cancelled meanwhile (shutdown) are not marked.
                asked = [entry for entry in self._asked if not entry[2].done()]
                self._asked = []
                if not asked:
                    continue
                try:
                    async with self.autocommit.connect() as connection:
                        marked = await claims.mark_sending(
                            connection,
                            [(item, message_id) for item, message_id, _ in asked],
                            lease_seconds=self.lease_seconds,
                        )
                except Exception as exc:
                    for _, _, answer in asked:
                        if not answer.done():
                            answer.set_exception(exc)
                    continue
                for item, _, answer in asked:
                    if not answer.done():
                        answer.set_result(item.id in marked)
        finally:
            for _, _, answer in [*asked, *self._asked]:
                answer.cancel()


class Dispatcher:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        settings: NotificationsSettings,
        listen_dsn: str | None = None,
        smtp: SmtpServer | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.listen_dsn = listen_dsn
        self.composer = Composer(settings)
        self.chat = ChatSenders(settings)
        server = smtp or SmtpServer.from_settings(settings)
        self._connections: asyncio.Queue[SmtpConnection] = asyncio.Queue()
        for _ in range(settings.smtp_connections):
            self._connections.put_nowait(SmtpConnection(server))
        self._chat_slots = asyncio.Semaphore(16)
        self._rate = RateLimiter()
        self._results: asyncio.Queue[Outcome | None] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._marks = SendingMarks(self.autocommit, lease_seconds=settings.dispatch_lease_seconds)
        # Unreachable mail server: hold off claiming email for a while instead of spinning.
        self._smtp_down_until = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._listen(stop))
        recorder = asyncio.create_task(self._record_loop())
        marker = asyncio.create_task(self._marks.run())
        try:
            await self._dispatch(stop)
        finally:
            listener.cancel()
            if self._running:
                await asyncio.wait(self._running, timeout=self.settings.smtp_timeout_seconds + 1.0)
            for task in self._running:
                task.cancel()
            await asyncio.gather(*self._running, return_exceptions=True)
            marker.cancel()
            await asyncio.gather(marker, return_exceptions=True)
            self._results.put_nowait(None)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(recorder, timeout=10.0)
            await asyncio.gather(listener, return_exceptions=True)
            while not self._connections.empty():
                await self._connections.get_nowait().close()
            await self.chat.aclose()

    async def _dispatch(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            self._wake.clear()
            room = 2 * self.settings.dispatch_batch_size - len(self._running)
            claimed_any = False
            if room > 0 and time.monotonic() >= self._smtp_down_until:
                try:
                    claimed_any = await self._claim_and_start(min(room, self.settings.dispatch_batch_size))
                    failures = 0
                except Exception as exc:
                    failures += 1
                    _log.warning("claiming deliveries failed; will retry", error=repr(exc))
                    await sleep_or_stop(stop, min(0.1 * 2**failures, 5.0))
                    continue
            if not claimed_any:
                timeout = self.settings.dispatch_poll_seconds
                if self._smtp_down_until > time.monotonic():
                    timeout = min(timeout, self._smtp_down_until - time.monotonic())
                await wait_for_wake(self._wake, stop, timeout=max(timeout, 0.01))
            else:
                await asyncio.sleep(0)

    async def _claim_and_start(self, limit: int) -> bool:
        async with self.autocommit.connect() as connection:
            claimed = await claims.claim_due(
                connection, limit=limit, lease_seconds=self.settings.dispatch_lease_seconds
            )
            if not claimed:
                return False
            batch = await composing.load(connection, claimed)
            deferred: list[tuple[ClaimedDelivery, float]] = []
            now = utcnow()
            for item in claimed:
                organization = batch.organizations.get(item.organization)
                per_minute = (organization.rate_per_minute if organization is not None else None) or (
                    self.settings.default_rate_per_minute
                )
                wait = self._rate.wait(item.organization, per_minute)
                if wait > 0:
                    deferred.append((item, wait))
                    continue
                try:
                    composed = self.composer.compose(item, batch, now=now)
                except Exception as exc:  # a template that cannot render for this reader
                    _log.error("could not compose a message", delivery_id=str(item.id), error=repr(exc))
                    composed = Attempt(
                        Result.FAILED, f"could not render the message: {type(exc).__name__}: {exc}"[:1000]
                    )
                self._start(item, composed)
            await claims.release(connection, deferred)
        return True

    def _start(self, item: ClaimedDelivery, composed: composing.Composed) -> None:
        if isinstance(composed, Attempt):
            self._results.put_nowait(Outcome(item, composed, marked_sending=False))
            return
        task = asyncio.create_task(self._send(item, composed))
        self._running.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self._running.discard(done)
            self._wake.set()

        task.add_done_callback(finished)

    async def _mark_sending(self, item: ClaimedDelivery, message_id: str | None) -> bool:
        return await self._marks.mark(item, message_id)

    async def _send(self, item: ClaimedDelivery, composed: Email | Chat) -> None:
        marked = False

        async def before_data() -> bool:
            nonlocal marked
            marked = await self._mark_sending(
                item, composed.message_id if isinstance(composed, Email) else None
            )
            return marked

        started = time.perf_counter()
        try:
            if isinstance(composed, Email):
                connection = await self._connections.get()
                try:
                    attempt = await connection.send(
                        sender=self.settings.mail_from, recipient=composed.recipient, data=composed.data,
                        before_data=before_data,
                    )  # fmt: skip
                finally:
                    self._connections.put_nowait(connection)
                if attempt.result is Result.UNREACHABLE:
                    self._smtp_down_until = time.monotonic() + min(
                        self.settings.dispatch_poll_seconds * 5, 30.0
                    )
                EMAIL_SECONDS.observe(time.perf_counter() - started)
            else:
                async with self._chat_slots:
                    if not await before_data():
                        return
                    if composed.channel.value == "slack" and composed.slack is not None:
                        attempt = await self.chat.slack(
                            composed.slack, composed.message, attempt=item.attempt
                        )
                    else:
                        attempt = await self.chat.teams(
                            composed.teams_url or "", composed.message, attempt=item.attempt
                        )
            if self.settings.pause_after_send_seconds and marked:
                # Fault-injection seam for tests: the worker is killed here, after the server took
                # the message and before its answer is recorded.
                await asyncio.sleep(self.settings.pause_after_send_seconds)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _log.error("sending failed unexpectedly", delivery_id=str(item.id), error=repr(exc))
            attempt = Attempt(
                Result.UNKNOWN if marked else Result.RETRY, f"{type(exc).__name__}: {exc}"[:1000]
            )
        if attempt.result is Result.CANCELED and not marked:
            return  # claimed meanwhile by another worker: not ours to record
        DELIVERY_OUTCOMES.labels(item.channel, attempt.result.value).inc()
        self._results.put_nowait(Outcome(item, attempt, marked_sending=marked))

    # --- recording ---------------------------------------------------------------------------------

    async def _record_loop(self) -> None:
        finishing = False
        loop = asyncio.get_running_loop()
        while not finishing:
            first = await self._results.get()
            if first is None:
                break
            batch = [first]
            deadline = loop.time() + RECORD_LINGER_SECONDS
            while len(batch) < RECORD_BATCH:
                try:
                    item = await asyncio.wait_for(self._results.get(), timeout=max(deadline - loop.time(), 0))
                except TimeoutError:
                    break
                if item is None:
                    finishing = True
                    break
                batch.append(item)
            await self._record(batch)

    async def _record(self, batch: list[Outcome]) -> None:
        delay = 0.1
        for _ in range(50):
            try:
                async with self.sessions() as session, session.begin():
                    await record(
                        session,
                        batch,
                        now=utcnow(),
                        max_attempts=self.settings.max_attempts,
                        retry_base=self.settings.retry_base_seconds,
                    )
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("recording outcomes failed; will retry", count=len(batch), error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        _log.error("outcomes not recorded; their deliveries stay in `sending` for recovery", count=len(batch))

    async def _listen(self, stop: asyncio.Event) -> None:
        if self.listen_dsn:
            await listen(self.listen_dsn, [DISPATCH_CHANNEL], self._wake.set, stop)


async def send(runtime: Runtime, stop: asyncio.Event) -> None:
    """The worker's sender loop, until `stop` is set."""
    settings = cast(NotificationsSettings, runtime.settings)
    dispatcher = Dispatcher(
        engine=runtime.engine,
        sessions=runtime.sessions,
        settings=settings,
        listen_dsn=listen_dsn(settings.database_url),
    )
    await dispatcher.run(stop)
