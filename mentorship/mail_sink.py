"""A local SMTP server that keeps what it is sent: `mentorship run` points notifications at it when
no SMTP server is configured, and the tests and benchmarks send to it instead of a real one.

Each message is stored as it was received, one `.eml` file per message under `.run/mail/` (or
kept in memory); `mentorship mail list` and `mentorship mail show N` read them.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated, Any

import typer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from rich.console import Console
from rich.table import Table

from mentorship.processes import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MAIL_DIR = PROJECT_ROOT / ".run" / "mail"


@dataclass(frozen=True)
class Received:
    """One message as the sink took it."""

    received_at: float  # time.time()
    sender: str
    recipients: tuple[str, ...]
    data: bytes

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class MailSink:
    """The aiosmtpd handler: keeps every message in memory and, with a `folder`, as `.eml` files.

    `refuse` lets a test answer DATA with an SMTP error (e.g. "451 try later") for the messages it
    picks; `on_message` is called (in the server's thread) for each accepted message."""

    folder: Path | None = None
    refuse: Callable[[Received], str | None] | None = None
    on_message: Callable[[Received], None] | None = None
    messages: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content or b""
        received = Received(
            received_at=time.time(),
            sender=str(envelope.mail_from),
            recipients=tuple(envelope.rcpt_tos),
            data=data if isinstance(data, bytes) else data.encode(),
        )
        if self.refuse is not None:
            answer = self.refuse(received)
            if answer is not None:
                return answer
        with self._lock:
            self._counter += 1
            number = self._counter
            if self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{number:06d}.eml").write_bytes(
                    received.data
                )
            else:
                self.messages.append(received)
        if self.on_message is not None:
            self.on_message(received)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


class _Credentials:
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and data.login == self.username and data.password == self.password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def start_sink(
    sink: MailSink,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    credentials: tuple[str, str] | None = None,
) -> Controller:
    """Start the SMTP server in a thread of its own; `stop()` the returned controller to end it."""
    options: dict[str, Any] = {}
    if credentials is not None:
        options.update(authenticator=_Credentials(*credentials), auth_required=True, auth_require_tls=False)
    controller = Controller(
        sink, hostname=host, port=port or free_port(), data_size_limit=10_485_760, **options
    )
    controller.start()
    return controller


# --- `mentorship mail` -----------------------------------------------------------------------------

mail = typer.Typer(
    help="The local mail sink of `mentorship run`: what the platform sent.", no_args_is_help=True
)
console = Console()


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


Folder = Annotated[Path, typer.Option(help="Where the sink stores messages.")]


@mail.command("list")
def list_mail(folder: Folder = MAIL_DIR, last: Annotated[int, typer.Option(min=1)] = 30) -> None:
    """The messages received, newest last: number, date, recipient, subject."""
    files = _files(folder)
    table = Table(title=f"{len(files)} messages in {folder}")
    for column in ("#", "date", "to", "subject", "parts"):
        table.add_column(column, overflow="fold")
    for number, path in list(enumerate(files, start=1))[-last:]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        parts = ", ".join(part.get_content_type() for part in message.walk() if not part.is_multipart())
        table.add_row(str(number), str(message["Date"]), str(message["To"]), str(message["Subject"]), parts)
    console.print(table)


@mail.command("show")
def show_mail(
    number: Annotated[int, typer.Argument(help="The number `mentorship mail list` shows.")],
    folder: Folder = MAIL_DIR,
    raw: Annotated[bool, typer.Option(help="The whole message as sent.")] = False,
) -> None:
    """One message: its headers and plain-text part (or all of it, raw)."""
    files = _files(folder)
    if not 1 <= number <= len(files):
        console.print(f"[red]no message {number}; there are {len(files)}[/]")
        raise typer.Exit(1)
    data = files[number - 1].read_bytes()
    if raw:
        print(data.decode("utf-8", errors="replace"))
        return
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    for name in ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"):
        if message[name]:
            print(f"{name}: {message[name]}")
    body = message.get_body(preferencelist=("plain",))
    print()
    print(body.get_content() if body is not None else "(no plain-text part)")
    attachments = [part.get_filename() for part in message.iter_attachments()]
    if attachments:
        print(f"\nattachments: {', '.join(str(name) for name in attachments)}")


@mail.command("serve")
def serve_mail(
    folder: Folder = MAIL_DIR, port: Annotated[int, typer.Option(help="SMTP port.")] = 1025
) -> None:
    """Run the sink alone (Ctrl-C stops it)."""
    controller = start_sink(MailSink(folder=folder), port=port)
    console.print(f"SMTP sink on 127.0.0.1:{port}, messages in {folder}; Ctrl-C stops it")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
