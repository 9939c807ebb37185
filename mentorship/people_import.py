"""`mentorship import people FILE`: upload an HR export (CSV or JSON) to profiles' bulk import.

The import runs as a job in the profiles worker; this follows its progress and prints its result
with the errors of each rejected row. `--dry-run` reports the same without writing anything.
Exit status: 0 when every row went through, 1 when some row (or the whole import) failed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mentorship.api_options import (
    DEFAULT_BASE_URL,
    DEFAULT_ORGANIZATION,
    BaseUrl,
    Organization,
    PortBase,
    admin_subject,
    run_against_platform,
    urls,
)
from mentorship.demo import progress_bars
from mentorship.platform_client import Document, PlatformClient
from mentorship.services import DEFAULT_PORT_BASE

MEDIA_TYPES = {".csv": "text/csv", ".json": "application/json"}
FINISHED = ("succeeded", "failed")
POLL_SECONDS = 0.3
SHOWN_ERRORS = 30

imports = typer.Typer(help="Bring data into the platform.", no_args_is_help=True)
out = Console()
console = Console(stderr=True)


async def run_import(client: PlatformClient, file: Path, content: bytes, *, dry_run: bool) -> Document:
    """Upload `file`, and follow its job to the end with a progress bar."""
    job = await client.import_people(
        content=content,
        media_type=MEDIA_TYPES[file.suffix.lower()],
        dry_run=dry_run,
    )
    with progress_bars(console) as progress:
        task = progress.add_task("checking rows" if dry_run else "importing people", total=job["total"] or 1)
        while job["status"] not in FINISHED:
            await asyncio.sleep(POLL_SECONDS)
            job = await client.get_import(f"/v1/imports/{job['id']}")
            progress.update(task, completed=job["processed"])
        progress.update(task, completed=job["total"] or 1)
    return job


def _errors_table(job: Document) -> Table:
    table = Table(title="rows with errors" + (" (first ones)" if job["errors_truncated"] else ""))
    for column in ("row", "external id", "field", "problem"):
        table.add_column(column, overflow="fold")
    for row in job["errors"][:SHOWN_ERRORS]:
        for error in row["errors"]:
            table.add_row(
                str(row["row"]),
                str(row.get("external_id") or ""),
                error.get("field", ""),
                error.get("message", ""),
            )
    return table


@imports.command("people")
def import_people_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="An HR export: .csv or .json.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report, without writing anything.")
    ] = False,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    port_base: PortBase = DEFAULT_PORT_BASE,
    org: Organization = DEFAULT_ORGANIZATION,
) -> None:
    """Import people from an HR export; idempotent on external_id (a second run updates, never duplicates)."""
    if file.suffix.lower() not in MEDIA_TYPES:
        console.print("[red]the file must be .csv or .json[/]")
        raise typer.Exit(2)

    content = file.read_bytes()

    async def work() -> Document:
        async with PlatformClient.connect(
            urls(base_url, port_base), organization=org, admin_subject=admin_subject(org)
        ) as client:
            return await run_import(client, file, content, dry_run=dry_run)

    job = run_against_platform(work(), console=console)
    if job["dry_run"]:
        outcome = f"dry run, nothing written: would create {job['created']}, update {job['updated']}"
    else:
        outcome = f"created {job['created']}, updated {job['updated']}"
    out.print(
        f"import {job['id']} {job['status']}: {job['total']} rows; {outcome}, "
        f"{job['skipped']} unchanged, {job['failed']} failed",
        highlight=False,
        soft_wrap=True,
    )
    if job["ignored_columns"]:
        out.print(f"ignored columns: {', '.join(job['ignored_columns'])}", highlight=False, soft_wrap=True)
    if job["errors"]:
        out.print(_errors_table(job))
    if job["failure"]:
        out.print(f"[red]the import failed: {job['failure']}[/]")
    if job["status"] == "failed" or job["failed"]:
        raise typer.Exit(1)
