"""`mentorship`: run the platform on one machine, migrate, mint development tokens, replay dead letters,
rebuild read models from history, seed a demo, import people and run matching rounds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mentorship import gateway, layouts
from mentorship.api_options import DEFAULT_ORGANIZATION, admin_subject
from mentorship.databases import create_database
from mentorship.deadletters import deadletters
from mentorship.demo import demo
from mentorship.embedded import EmbeddedNats, EmbeddedPostgres, EmbeddedServerError
from mentorship.mail_sink import MAIL_DIR, MailSink, mail, start_sink
from mentorship.matching_round import round_command
from mentorship.people_import import imports
from mentorship.processes import terminate
from mentorship.rebuild import rebuild_command
from mentorship.services import DEFAULT_PORT_BASE, select
from mentorship.supervisor import ChildExited, Supervisor
from shared import migrations

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RUN_DIR = PROJECT_ROOT / ".run"
DATABASE_NAME = "mentorship"
DEV_SUBJECT = "00000000-0000-4000-8000-000000000001"
DEV_ORGANIZATION = "00000000-0000-4000-8000-00000000a001"
START_SECONDS = 180.0

app = typer.Typer(
    help="Operator and developer tooling of the mentorship platform.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(deadletters, name="deadletters")
app.add_typer(demo, name="demo")
app.add_typer(imports, name="import")
app.add_typer(mail, name="mail")
app.command("round")(round_command)
app.command("rebuild")(rebuild_command)
console = Console(stderr=True)

PostgresPort = Annotated[
    int | None, typer.Option(help="Port of the embedded PostgreSQL (default: a free one).")
]
NatsPort = Annotated[int | None, typer.Option(help="Port of the embedded NATS (default: a free one).")]


@app.command()
def run(
    port_base: Annotated[
        int,
        typer.Option(help="Shift every service's port: profiles, on 8001 by default, moves to port_base+1."),
    ] = DEFAULT_PORT_BASE,
    workers: Annotated[bool, typer.Option(help="Also run each service's event worker.")] = True,
    single_process: Annotated[
        bool,
        typer.Option(
            help="Every API in one process and every worker in another (small organizations; "
            "uses far less memory), instead of a process per API and per worker."
        ),
    ] = False,
    postgres_port: PostgresPort = None,
    nats_port: NatsPort = None,
    demo_people: Annotated[
        int,
        typer.Option(
            min=0,
            max=5000,
            help="Seed the demo organization with this many people when it has none yet (0: no demo).",
        ),
    ] = 120,
) -> None:
    """Run every service (API and worker) against PostgreSQL and NATS until Ctrl-C, behind one
    gateway on the port base itself (the web console, every API under /<service>/, the development
    sign-in under /dev/).

    Uses DATABASE_URL and NATS_URL when set; otherwise starts embedded servers with their data in .run/.
    """
    _stop_signals_interrupt()
    code = 0
    with ExitStack() as stack:
        try:
            database, nats = _servers(stack, postgres_port=postgres_port, nats_port=nats_port)
            smtp = _mail_sink(stack)
            for service in select():
                console.print(f"migrating [bold]{service.name}[/]")
                migrations.upgrade(service.name, database)
            supervisor = stack.enter_context(
                Supervisor(
                    env={**_service_env(database=database, nats=nats), **smtp},
                    cwd=PROJECT_ROOT,
                    report=lambda message: console.print(f"[yellow]{escape(message)}[/]"),
                )
            )
            _start_services(supervisor, port_base=port_base, workers=workers, single_process=single_process)
            gateway_url = _start_gateway(supervisor, port_base=port_base)
            _print_overview(port_base=port_base, database=database, nats=nats)
            if demo_people:
                _seed_demo_when_empty(stack, port_base=port_base, people=demo_people)
            console.print(f"[bold green]open {gateway_url}[/] (the console; API docs at {gateway_url}/docs)")
            if smtp:
                console.print(
                    f"mail sent by the platform goes to a local sink: [bold]{MAIL_DIR}[/] "
                    "(`mentorship mail list`, `mentorship mail show N`)"
                )
            console.print("[green]running[/]; a service that crashes is restarted; Ctrl-C stops everything")
            supervisor.supervise()  # until Ctrl-C, or a crash loop (CrashLoop, a ChildExited)
        except KeyboardInterrupt:
            console.print("stopping")
        except (ChildExited, TimeoutError, EmbeddedServerError) as exc:
            console.print(f"[red]{escape(str(exc))}[/]; stopping everything")
            code = 1
        finally:
            # Shutdown runs to the end: a second Ctrl-C must not strand half-stopped servers.
            _ignore_stop_signals()
    raise typer.Exit(code)


Services = Annotated[
    list[str] | None,
    typer.Option("--service", help="A service to run (repeatable; default: every registered one)."),
]


@app.command("api-all")
def api_all(
    port_base: Annotated[
        int, typer.Option(help="As `mentorship run`'s: profiles, on 8001 by default, moves to port_base+1.")
    ] = DEFAULT_PORT_BASE,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 in a container).")] = "127.0.0.1",
    service: Services = None,
) -> None:
    """Serve every service's API from this one process (the single-process mode for small
    organizations), each on its own port under the root path /<service>, until SIGTERM or Ctrl-C.

    Settings come from the environment, as for a process per service; `<SERVICE>__<SETTING>`
    (e.g. PROFILES__PUBLIC_BASE_URL) sets one for that service alone.
    """
    _exec_single_process("apis", "--port-base", str(port_base), "--host", host, services=service)


@app.command("worker-all")
def worker_all(service: Services = None) -> None:
    """Run every service's worker (outbox relay, event consumers, durable jobs) in this one process
    (the single-process mode for small organizations) until SIGTERM or Ctrl-C.

    Settings as for `api-all`. A second such process shares the durable consumers and the jobs with
    the first, as a second replica of each worker would.
    """
    _exec_single_process("workers", services=service)


def _exec_single_process(role: str, *options: str, services: list[str] | None) -> NoReturn:
    try:
        chosen = select(services)
    except ValueError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from None
    argv = [sys.executable, "-m", "mentorship.single_process", role, *options]
    argv += ["--services", ",".join(spec.name for spec in chosen)]
    # Replaced by the small entry point: the process keeps none of the operator CLI's imports in memory
    # (and keeps its pid, so signals from a supervisor or an orchestrator reach it).
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


@app.command()
def servers(postgres_port: PostgresPort = None, nats_port: NatsPort = None) -> None:
    """Start embedded PostgreSQL and NATS (data in .run/), print their URLs as exports, wait for Ctrl-C."""
    _stop_signals_interrupt()
    with ExitStack() as stack:
        try:
            postgres = stack.enter_context(EmbeddedPostgres(RUN_DIR / "postgres", postgres_port))
            nats = stack.enter_context(EmbeddedNats(RUN_DIR / "nats", nats_port))
            database = create_database(postgres.url, DATABASE_NAME)
            print(f"export DATABASE_URL={database}")
            print(f"export NATS_URL={nats.url}", flush=True)
            console.print(f"[green]PostgreSQL[/] {postgres.data_dir}, [green]NATS[/] {nats.store_dir}")
            console.print("Ctrl-C stops both")
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("stopping")
        except EmbeddedServerError as exc:
            console.print(f"[red]{escape(str(exc))}[/]")
            raise typer.Exit(1) from None
        finally:
            _ignore_stop_signals()


@app.command()
def migrate(
    services: Annotated[
        list[str] | None, typer.Argument(help="Services to migrate (default: all).", show_default=False)
    ] = None,
    database_url: Annotated[
        str, typer.Option(envvar="DATABASE_URL", help="PostgreSQL URL of the platform's database.")
    ] = "",
) -> None:
    """Apply the migrations of every service (or of the named ones) to DATABASE_URL."""
    if not database_url:
        console.print("[red]set DATABASE_URL or pass --database-url[/]")
        raise typer.Exit(2)
    try:
        chosen = select(services)
    except ValueError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from None
    for service in chosen:
        console.print(f"migrating [bold]{service.name}[/]")
        migrations.upgrade(service.name, database_url)


@app.command()
def token(
    sub: Annotated[str, typer.Option(help="Subject: the person the token speaks for.")] = DEV_SUBJECT,
    org: Annotated[str, typer.Option(help="Organization the caller belongs to.")] = DEV_ORGANIZATION,
    role: Annotated[
        list[str] | None, typer.Option(help="Role (repeatable): admin, mentor, mentee, integration.")
    ] = None,
    ttl: Annotated[int, typer.Option(min=1, help="Lifetime in seconds.")] = 3600,
) -> None:
    """Print a development JWT, signed with the development secret, for calling the APIs."""
    # Imported here so the other commands keep working while auth's dependencies are unavailable.
    from shared.auth import mint_dev_token

    print(mint_dev_token(subject=sub, organization=org, roles=role or ["admin"], ttl_seconds=ttl))


def _servers(stack: ExitStack, *, postgres_port: int | None, nats_port: int | None) -> tuple[str, str]:
    """DATABASE_URL and NATS_URL from the environment, or of embedded servers started on `stack`."""
    database = os.environ.get("DATABASE_URL")
    if not database:
        console.print("starting embedded PostgreSQL")
        postgres = stack.enter_context(EmbeddedPostgres(RUN_DIR / "postgres", postgres_port))
        database = create_database(postgres.url, DATABASE_NAME)
    nats = os.environ.get("NATS_URL")
    if not nats:
        console.print("starting embedded NATS")
        nats = stack.enter_context(EmbeddedNats(RUN_DIR / "nats", nats_port)).url
    return database, nats


def _mail_sink(stack: ExitStack) -> dict[str, str]:
    """SMTP settings of a local sink keeping mail in .run/mail/, unless SMTP_HOST is configured."""
    if os.environ.get("SMTP_HOST"):
        return {}
    console.print("starting the local mail sink")
    controller = start_sink(MailSink(folder=MAIL_DIR))
    stack.callback(controller.stop)
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port), "SMTP_SECURITY": "none"}


def _service_env(*, database: str, nats: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "NATS_URL": nats,
        "ENVIRONMENT": "development",
        "PYTHONUNBUFFERED": "1",
    }


def _start_services(supervisor: Supervisor, *, port_base: int, workers: bool, single_process: bool) -> None:
    layout = layouts.single_process if single_process else layouts.process_per_service
    started = [
        (supervisor.spawn(process.name, process.argv, env=process.env), process.ports)
        for process in layout(
            select(), port_base=port_base, gateway_url=_gateway_url(port_base), workers=workers
        )
    ]
    # Every API imports and starts at once: on a small or busy machine that takes a while.
    for child, ports in started:
        for port in ports:
            supervisor.wait_until_listening(child, port, timeout=START_SECONDS)


def _gateway_url(port_base: int) -> str:
    return f"http://127.0.0.1:{port_base}"


def _start_gateway(supervisor: Supervisor, *, port_base: int) -> str:
    """Caddy on the port base, with the development sign-in behind it; returns the gateway's URL."""
    signin_port = port_base + gateway.DEV_SIGNIN_OFFSET
    signin = supervisor.spawn(
        "development sign-in",
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "mentorship.dev_signin:create_app"),
            *("--host", "127.0.0.1", "--port", str(signin_port), "--log-level", "warning"),
        ],
        env={
            f"{spec.name.upper()}_URL": f"http://127.0.0.1:{spec.api_port(port_base)}"
            for spec in select(["profiles", "matching"])
        },
    )
    folder = RUN_DIR / f"gateway-{port_base}"
    plan = gateway.prepare(folder, select(), port_base=port_base, dev_signin_port=signin_port)
    if not plan.console_built:
        console.print("[yellow]the web console is not built[/]: `make web` builds it (Node 20 and npm)")
    caddy = supervisor.spawn("gateway", list(plan.argv), env=plan.env)
    supervisor.wait_until_listening(signin, signin_port, timeout=START_SECONDS)
    supervisor.wait_until_listening(caddy, port_base, timeout=START_SECONDS)
    return plan.url


def _seed_demo_when_empty(stack: ExitStack, *, port_base: int, people: int) -> None:
    """Seed the demo organization in the background when it has nobody yet (its output goes to
    .run/demo-seed.log); a newcomer can sign in as a demo person a minute after starting."""
    from shared.auth import mint_dev_token

    profiles = select(["profiles"])[0].api_port(port_base)
    token = mint_dev_token(
        subject=admin_subject(DEFAULT_ORGANIZATION), organization=DEFAULT_ORGANIZATION, roles=["admin"]
    )
    try:
        found = httpx.get(
            f"http://127.0.0.1:{profiles}/v1/people",
            params={"limit": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            trust_env=False,
        )
    except httpx.TransportError:
        return
    if found.status_code != 200 or found.json()["items"]:
        return
    log = (RUN_DIR / "demo-seed.log").open("ab")
    seeding = subprocess.Popen(
        [
            *(sys.executable, "-m", "mentorship.cli", "demo", "seed"),
            *("--people", str(people), "--port-base", str(port_base)),
        ],
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack.callback(log.close)
    stack.callback(terminate, seeding, timeout=5)
    console.print(f"seeding the demo organization ({people} people) in the background: .run/demo-seed.log")


def _print_overview(*, port_base: int, database: str, nats: str) -> None:
    # One URL per row: the table stays narrow enough for an 80-column terminal and every URL stays whole.
    table = Table(title="mentorship platform")
    table.add_column("service")
    table.add_column("")
    table.add_column("URL", overflow="fold")
    for service in select():
        base = f"http://127.0.0.1:{service.api_port(port_base)}"
        table.add_row(service.name, "API", base)
        table.add_row("", "docs", f"{base}/docs")
        table.add_row("", "OpenAPI", f"{base}/openapi.json", end_section=True)
    table.add_row("PostgreSQL", "", database)
    table.add_row("NATS", "", nats)
    console.print(table)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_signals_interrupt() -> None:
    # SIGTERM (from an orchestrator or `kill`) gets the same orderly shutdown as Ctrl-C.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


def _ignore_stop_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


if __name__ == "__main__":
    app()
