"""Options shared by the CLI commands that talk to a running platform over its HTTP APIs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from mentorship.platform_client import ApiError, service_urls

T = TypeVar("T")

BaseUrl = Annotated[
    str, typer.Option(envvar="MENTORSHIP_BASE_URL", help="Scheme and host the services listen on.")
]
PortBase = Annotated[
    int,
    typer.Option(help="As given to `mentorship run`: profiles listens on port_base+1, matching +2, ..."),
]
Organization = Annotated[
    str, typer.Option("--org", help="The organization (its admin token is minted locally).")
]

DEFAULT_BASE_URL = "http://127.0.0.1"
DEFAULT_ORGANIZATION = "demo"


def admin_subject(organization: str) -> str:
    """The same admin for every command on an organization, so Idempotency-Keys replay across runs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mentorship:{organization}:operator"))


def urls(base_url: str, port_base: int) -> dict[str, str]:
    return service_urls(base_url=base_url, port_base=port_base)


def run_against_platform(work: Coroutine[Any, Any, T], *, console: Console) -> T:
    """Run `work`; an unreachable platform or a refused call is a one-line error and exit code 1."""
    try:
        return asyncio.run(work)
    except httpx.TransportError as exc:
        request = getattr(exc, "request", None)
        where = f" at {request.url.scheme}://{request.url.netloc.decode()}" if request is not None else ""
        console.print(f"[red]the platform is not reachable{escape(where)}[/]: is `mentorship run` running?")
        raise typer.Exit(1) from None
    except ApiError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from None
