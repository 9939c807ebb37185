"""Recording what attempts did: the delivery log, the retry schedule, and endpoint health.

A batch of attempt outcomes is recorded in one statement: each attempt's log row (written as
`sending` before the request left, see `claims.begin`) gets its result, the delivery its
new state (succeeded, failed, or pending with its next attempt time, stored so retries survive
restarts) and the endpoint's last success. When deliveries give up, the endpoint is disabled with
an `EndpointDisabled` event in the same transaction as that statement. An outcome whose claim is no longer the
delivery's (its lease ran out and another attempt took over) only completes its attempt's log row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.contracts.webhooks import EndpointDisabledReason
from shared.outbound import AttemptResult, Decision, Verdict, is_success
from webhooks import service
from webhooks.claims import ClaimedDelivery
from webhooks.models import SCHEMA, DeliveryStatus


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery: ClaimedDelivery
    attempt_id: int  # its row in the delivery log, written when the attempt began
    result: AttemptResult
    decision: Decision

    @property
    def status(self) -> DeliveryStatus:
        if self.decision.verdict is Verdict.SUCCEEDED:
            return DeliveryStatus.SUCCEEDED
        if self.decision.verdict is Verdict.RETRY:
            return DeliveryStatus.PENDING
        return DeliveryStatus.FAILED


# One round trip for a whole batch: the log, the deliveries' new state, the endpoints' last success
# (written at most once a second per endpoint: enough for "has it succeeded since?").
_RECORD = text(
    f"""
    WITH r AS (
        SELECT * FROM unnest(
            CAST(:ids AS uuid[]), CAST(:tokens AS uuid[]), CAST(:statuses AS text[]),
            CAST(:retry_in AS float8[]), CAST(:started AS timestamptz[]), CAST(:codes AS int[]),
            CAST(:succeeded AS bool[]), CAST(:errors AS text[]), CAST(:latencies AS float8[]),
            CAST(:responses AS text[]), CAST(:endpoints AS uuid[]), CAST(:attempt_ids AS bigint[])
        ) AS r(id, token, status, retry_in, started_at, status_code, succeeded, error,
               latency_ms, response, endpoint_id, attempt_id)
    ), updated AS (
        UPDATE "{SCHEMA}".deliveries d
        SET status = r.status,
            next_attempt_at = CASE WHEN r.retry_in IS NULL THEN NULL
                                   ELSE now() + make_interval(secs => r.retry_in) END,
            claim_token = NULL,
            last_attempt_at = r.started_at,
            last_status_code = r.status_code,
            last_error = r.error,
            last_latency_ms = r.latency_ms,
            last_response = r.response,
            completed_at = CASE WHEN r.status = 'pending' THEN NULL ELSE now() END
        FROM r
        WHERE d.id = r.id AND d.claim_token = r.token
        RETURNING d.id
    ), logged AS (
        -- every attempt's log row gets its result, also one whose claim was taken over meanwhile
        UPDATE "{SCHEMA}".delivery_attempts a
        SET state = 'completed', started_at = r.started_at, latency_ms = r.latency_ms,
            status_code = r.status_code, succeeded = r.succeeded, error = r.error, response = r.response
        FROM r
        WHERE a.id = r.attempt_id
    ), succeeded AS (
        UPDATE "{SCHEMA}".endpoints e SET last_success_at = now()
        WHERE e.id IN (SELECT r.endpoint_id FROM r JOIN updated ON updated.id = r.id WHERE r.succeeded)
          AND (e.last_success_at IS NULL OR e.last_success_at < now() - interval '1 second')
    )
    SELECT id FROM updated
    """
)


def disables_endpoints(outcomes: list[Outcome]) -> bool:
    """Whether recording the batch may disable an endpoint (which needs a transaction)."""
    return any(outcome.decision.verdict in (Verdict.GONE, Verdict.EXHAUSTED) for outcome in outcomes)


async def log_attempts(db: AsyncConnection | AsyncSession, outcomes: list[Outcome]) -> list[Outcome]:
    """The log, the deliveries and the endpoints' last success, in one statement (so it may run in
    autocommit). Returns the outcomes that still held their claim (and took effect)."""
    if not outcomes:
        return []
    results = [outcome.result for outcome in outcomes]
    applied_ids = set(
        (
            await db.execute(
                _RECORD,
                {
                    "ids": [outcome.delivery.id for outcome in outcomes],
                    "tokens": [outcome.delivery.claim_token for outcome in outcomes],
                    "statuses": [outcome.status.value for outcome in outcomes],
                    "retry_in": [outcome.decision.retry_in for outcome in outcomes],
                    "started": [result.started_at for result in results],
                    "codes": [result.status_code for result in results],
                    "succeeded": [is_success(result.status_code) for result in results],
                    "errors": [result.error for result in results],
                    "latencies": [result.latency_ms for result in results],
                    "responses": [result.response for result in results],
                    "endpoints": [outcome.delivery.endpoint_id for outcome in outcomes],
                    "attempt_ids": [outcome.attempt_id for outcome in outcomes],
                },
            )
        ).scalars()
    )
    return [outcome for outcome in outcomes if outcome.delivery.id in applied_ids]


async def record(session: AsyncSession, outcomes: list[Outcome]) -> list[Outcome]:
    """Record a batch of outcomes in the session's transaction, disabling the endpoints given up on
    (with their `EndpointDisabled` events). Returns the outcomes that took effect."""
    applied = await log_attempts(session, outcomes)
    for outcome in applied:
        verdict = outcome.decision.verdict
        if verdict is Verdict.GONE:
            await service.disable_endpoint(
                session,
                endpoint_id=outcome.delivery.endpoint_id,
                reason=EndpointDisabledReason.GONE,
                last_status_code=outcome.result.status_code,
                last_error=outcome.result.error,
            )
        elif verdict is Verdict.EXHAUSTED:
            await service.disable_endpoint(
                session,
                endpoint_id=outcome.delivery.endpoint_id,
                reason=EndpointDisabledReason.FAILING,
                last_status_code=outcome.result.status_code,
                last_error=outcome.result.error,
                unless_succeeded_since=outcome.delivery.created_at,
            )
    return applied
