"""Prometheus metrics of the notifications worker (besides the shared relay, consumer and job ones)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DELIVERY_OUTCOMES = Counter(
    "notification_delivery_outcomes_total", "Delivery attempts by channel and outcome", ["channel", "outcome"]
)
EMAIL_SECONDS = Histogram(
    "notification_email_send_seconds",
    "Handing one email to the SMTP server (MAIL, RCPT, DATA)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
