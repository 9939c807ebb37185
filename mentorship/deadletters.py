"""`mentorship deadletters`: the events consumers gave up on, and replaying them once the cause is fixed.

A consumer parks an event in the dead-letter stream when it can never apply it (invalid, or its handler
raised `PoisonEvent`) or after `CONSUMER_MAX_DELIVER` failed attempts. Replay publishes it again to its
original subject, so every consumer of that stream sees it once more; those that had applied it find it
in their inbox and skip it, so a replay is harmless to them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import nats
import typer
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shared.deadletter import ParkedMessage, list_parked, replay

T = TypeVar("T")

deadletters = typer.Typer(
    help="Events that consumers gave up on (the dead-letter stream): list them, replay them.",
    no_args_is_help=True,
)
out = Console()
console = Console(stderr=True)

NatsUrl = Annotated[str, typer.Option(envvar="NATS_URL", help="The platform's NATS server.")]
Namespace = Annotated[
    str,
    typer.Option(envvar="EVENT_NAMESPACE", help="The platform's event namespace (prefix of stream names)."),
]
Consumer = Annotated[
    str | None,
    typer.Option(help="Only what this consumer parked: the consuming service's name, e.g. matching."),
]


@deadletters.command("list")
def list_command(
    consumer: Consumer = None,
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object a line, for scripts.")] = False,
    nats_url: NatsUrl = "nats://127.0.0.1:4222",
    namespace: Namespace = "mentorship",
) -> None:
    """Every parked event, oldest first: sequence, consumer, event, deliveries and why it was parked."""
    parked = _run(nats_url, _listed(nats_url, namespace=namespace, consumer=consumer))
    if json_lines:
        for item in parked:
            print(json.dumps(dataclasses.asdict(item)))
        return
    if not parked:
        console.print("no parked events" + (f" of consumer {escape(consumer)}" if consumer else ""))
        return
    table = Table(title=f"parked events ({len(parked)})")
    for column in ("seq", "consumer", "event type", "event id", "deliveries", "error"):
        table.add_column(column, overflow="fold")
    for item in parked:
        table.add_row(
            str(item.seq),
            item.consumer,
            item.event_type or "(not an event)",
            item.event_id or "",
            str(item.deliveries),
            item.error,
        )
    out.print(table)


@deadletters.command("replay")
def replay_command(
    seq: Annotated[
        int | None, typer.Argument(help="Sequence of the parked event (see `list`).", show_default=False)
    ] = None,
    replay_all: Annotated[
        bool, typer.Option("--all", help="Every parked event (of --consumer, if given).")
    ] = False,
    consumer: Consumer = None,
    nats_url: NatsUrl = "nats://127.0.0.1:4222",
    namespace: Namespace = "mentorship",
) -> None:
    """Publish parked events again to their original subject and remove them from the dead letters."""
    if (seq is None) == (not replay_all):
        console.print("[red]give either a sequence number or --all[/]")
        raise typer.Exit(2)
    replayed, failures = _run(nats_url, _replayed(nats_url, namespace=namespace, seq=seq, consumer=consumer))
    for item in replayed:
        # Plain, unwrapped lines: scripts and logs read them.
        print(
            f"replayed {item.seq}: {item.event_type or '(not an event)'} {item.event_id or ''}"
            f" -> {item.original_subject}"
        )
    for failure in failures:
        console.print(f"[red]{escape(failure)}[/]")
    if not replayed and not failures:
        console.print("no parked events" + (f" of consumer {escape(consumer)}" if consumer else ""))
    if failures:
        raise typer.Exit(1)


async def _listed(url: str, *, namespace: str, consumer: str | None) -> list[ParkedMessage]:
    async with _jetstream(url) as js:
        return await list_parked(js, namespace=namespace, consumer=consumer)


async def _replayed(
    url: str, *, namespace: str, seq: int | None, consumer: str | None
) -> tuple[list[ParkedMessage], list[str]]:
    """The events replayed, and why the others could not be."""
    replayed: list[ParkedMessage] = []
    failures: list[str] = []
    async with _jetstream(url) as js:
        if seq is not None and consumer is None:
            sequences = [seq]
        else:
            # Checked against the listing, so `replay 12 --consumer matching` never replays another's event.
            parked = await list_parked(js, namespace=namespace, consumer=consumer)
            sequences = [item.seq for item in parked if seq is None or item.seq == seq]
            if seq is not None and not sequences:
                failures.append(f"no parked event {seq} of consumer {consumer}")
        for number in sequences:
            try:
                replayed.append(await replay(js, namespace=namespace, seq=number))
            except NotFoundError:
                failures.append(f"no parked event {number}")
            except ValueError as exc:
                failures.append(str(exc))
    return replayed, failures


@asynccontextmanager
async def _jetstream(url: str) -> AsyncIterator[JetStreamContext]:
    async def quiet(_error: Exception) -> None:
        """Connection errors are reported once, by `_run`, not logged by the client on every attempt."""

    # Fail fast: an operator command should say NATS is unreachable, not wait for it. (With
    # allow_reconnect=False alone, nats-py retries the first connection forever.)
    connection = await nats.connect(
        url, connect_timeout=3, allow_reconnect=False, max_reconnect_attempts=1, error_cb=quiet
    )
    try:
        yield connection.jetstream()
    finally:
        await connection.close()


def _run(url: str, work: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(work)
    except (OSError, TimeoutError, NatsError) as exc:
        console.print(f"[red]NATS at {escape(url)}: {escape(type(exc).__name__)} {escape(str(exc))}[/]")
        raise typer.Exit(1) from None
