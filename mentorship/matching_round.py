"""`mentorship round PROGRAM_ID`: plan a program-wide matching round and show why each pair was proposed.

The round is a draft until published (`--publish`), when its proposals become proposed matches that
mentor and mentee accept. A draft already open for the program is shown (and published) rather
than planned again, since a program has one draft at a time.
"""

from __future__ import annotations

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
from mentorship.platform_client import ApiError, Document, PlatformClient
from mentorship.services import DEFAULT_PORT_BASE

out = Console()
console = Console(stderr=True)


async def plan_round(client: PlatformClient, program_id: str) -> Document:
    """A new draft round of the program, or the draft it already has."""
    try:
        return await client.create_round(program_id)
    except ApiError as exc:
        if exc.problem.get("type", "").rsplit("/", 1)[-1] != "draft-round-exists":
            raise
    drafts = [r for r in await client.list_rounds(program_id) if r["status"] == "draft"]
    if not drafts:
        raise RuntimeError("the program's draft round vanished; run the command again")
    console.print(f"the program already has a draft round: showing {drafts[0]['id']}")
    return drafts[0]


async def names_of(client: PlatformClient, ids: set[str]) -> dict[str, str]:
    """Person id -> name, for the people of the organization named in `ids`."""
    return {str(p["id"]): p["name"] for p in await client.list_people() if str(p["id"]) in ids}


def proposals_table(proposals: list[Document], names: dict[str, str], *, show: int) -> Table:
    assigned = sorted((p for p in proposals if p["mentor_id"]), key=lambda p: -p["score"])
    table = Table(title=f"proposals (best {min(show, len(assigned))} of {len(assigned)})")
    for column in ("mentee", "mentor", "score", "why", "warnings"):
        table.add_column(column, overflow="fold")
    for proposal in assigned[:show]:
        table.add_row(
            names.get(str(proposal["mentee_id"]), str(proposal["mentee_id"])),
            names.get(str(proposal["mentor_id"]), str(proposal["mentor_id"])),
            f"{proposal['score']:.2f}",
            "; ".join(proposal["reasons"][:3]),
            "; ".join(proposal["warnings"]),
        )
    return table


def round_command(
    program_id: Annotated[str, typer.Argument(help="The program (its id in profiles).")],
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish the round: proposals become matches.")
    ] = False,
    show: Annotated[int, typer.Option(min=1, help="How many proposals to list (best scores first).")] = 25,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    port_base: PortBase = DEFAULT_PORT_BASE,
    org: Organization = DEFAULT_ORGANIZATION,
) -> None:
    """Run a matching round of an admin-approved program: its proposals, scores and reasons."""

    async def work() -> tuple[Document, list[Document], dict[str, str]]:
        async with PlatformClient.connect(
            urls(base_url, port_base), organization=org, admin_subject=admin_subject(org)
        ) as client:
            round_ = await plan_round(client, program_id)
            proposals = await client.proposals(round_["id"])
            ids = {str(p[key]) for p in proposals for key in ("mentee_id", "mentor_id") if p[key]}
            names = await names_of(client, ids)
            if publish:
                round_ = await client.publish_round(round_["id"])
            return round_, proposals, names

    round_, proposals, names = run_against_platform(work(), console=console)
    stats = round_["stats"]
    out.print(
        f"round {round_['id']} ({round_['status']}): {stats.get('mentees')} mentees, "
        f"{stats.get('mentors')} mentors, {stats.get('assigned')} assigned, {stats.get('waitlisted')} "
        f"waitlisted ({stats.get('without_feasible_mentor')} without any feasible mentor), "
        f"mean score {stats.get('mean_score')}",
        highlight=False,
        soft_wrap=True,
    )
    out.print(proposals_table(proposals, names, show=show))
    waitlisted = [
        names.get(str(p["mentee_id"]), str(p["mentee_id"])) for p in proposals if not p["mentor_id"]
    ]
    if waitlisted:
        out.print(f"waitlisted: {', '.join(sorted(waitlisted))}", highlight=False, soft_wrap=True)
    if round_["status"] == "published":
        out.print(
            "published: each pair now accepts or declines its proposed match", highlight=False, soft_wrap=True
        )
    else:
        out.print(
            f"a draft: review it, then `mentorship round {program_id} --org {org} --publish`", highlight=False
        )
