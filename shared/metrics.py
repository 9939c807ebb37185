"""Prometheus metrics every service exposes on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox events not yet published", ["service"])
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox events published to NATS", ["service"])
OUTBOX_PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Failed relay batches", ["service"])
CONSUMER_HANDLED = Counter("consumer_handled_total", "Events handled and acked", ["consumer", "type"])
CONSUMER_DUPLICATES = Counter("consumer_duplicates_total", "Events already in the inbox", ["consumer"])
CONSUMER_FAILED = Counter("consumer_failed_total", "Handler failures (nak or park)", ["consumer", "reason"])
CONSUMER_REDELIVERED = Counter(
    "consumer_redelivered_total", "Messages delivered more than once", ["consumer"]
)
TRANSACTION_RETRIES = Counter(
    "transaction_retries_total",
    "Transactions run again after the database aborted them (deadlock, serialization failure)",
    ["sqlstate"],
)
CONSUMER_PARKED = Counter("consumer_parked_total", "Messages parked in the dead-letter stream", ["consumer"])
