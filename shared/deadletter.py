"""Operator view of parked messages: list them, replay them to their original subject."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from shared.consumer import envelope_summary
from shared.streams import deadletter_stream


@dataclass(frozen=True)
class ParkedMessage:
    seq: int
    consumer: str
    original_subject: str
    error: str
    deliveries: int
    event_id: str | None
    event_type: str | None


async def list_parked(
    js: JetStreamContext, *, namespace: str, consumer: str | None = None
) -> list[ParkedMessage]:
    """Every message in the dead-letter stream (optionally of one consumer), oldest first."""
    stream = deadletter_stream(namespace)
    try:
        info = await js.stream_info(stream)
    except NotFoundError:
        return []
    parked: list[ParkedMessage] = []
    state = info.state
    if state.messages == 0:
        return parked
    for seq in range(state.first_seq, state.last_seq + 1):
        try:
            raw = await js.get_msg(stream, seq)
        except NotFoundError:
            continue  # deleted after a replay
        headers = raw.headers or {}
        summary = envelope_summary(raw.data or b"")
        item = ParkedMessage(
            seq=seq,
            consumer=headers.get("Mentorship-Consumer", ""),
            original_subject=headers.get("Mentorship-Original-Subject", ""),
            error=headers.get("Mentorship-Error", ""),
            deliveries=int(headers.get("Mentorship-Deliveries", "0") or 0),
            event_id=summary.get("id"),
            event_type=summary.get("type"),
        )
        if consumer is None or item.consumer == consumer:
            parked.append(item)
    return parked


async def replay(js: JetStreamContext, *, namespace: str, seq: int) -> ParkedMessage:
    """Publish a parked message again to its original subject and remove it from the dead letters.

    Consumers that already applied the event find it in their inbox, so replay is harmless to them.
    """
    stream = deadletter_stream(namespace)
    raw = await js.get_msg(stream, seq)
    headers = dict(raw.headers or {})
    original = headers.get("Mentorship-Original-Subject")
    if not original:
        raise ValueError(f"dead-letter message {seq} has no original subject")
    forward = {
        key: value
        for key, value in headers.items()
        if not key.startswith("Mentorship-") and not key.startswith("Nats-")
    }
    summary = envelope_summary(raw.data or b"")
    # A fresh message id: the original id is still inside the stream's duplicate window.
    forward["Nats-Msg-Id"] = f"{summary.get('id')}:replay:{seq}"
    await js.publish(original, raw.data or b"", headers=forward)
    await js.delete_msg(stream, seq)
    return ParkedMessage(
        seq=seq,
        consumer=headers.get("Mentorship-Consumer", ""),
        original_subject=original,
        error=headers.get("Mentorship-Error", ""),
        deliveries=int(headers.get("Mentorship-Deliveries", "0") or 0),
        event_id=summary.get("id"),
        event_type=summary.get("type"),
    )
