"""The email of a notification: headers, plain text and HTML, and the calendar invitation. Pure code.

- `Message-ID` is derived from the delivery's idempotency key, so every attempt at one delivery
  carries the same id (a receiving system may drop a repeat; our own log recognises it);
- `List-Unsubscribe` names an HTTPS one-click URL and a mailto, and `List-Unsubscribe-Post:
  List-Unsubscribe=One-Click` says the URL takes a POST without confirmation (RFC 8058);
- a session invitation or update travels as `text/calendar; method=REQUEST` (or `CANCEL`) attached
  as invite.ics, which mail clients show with accept and decline buttons.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from notifications.rendering import Rendered


class _Headers(Compat32):
    """The classic policy (it folds `Header` objects, encoding non-ASCII names and subjects as RFC
    2047 words) with CRLF line ends, writing an ASCII header that fits a line as it is: folding
    every header through `Header` cost more CPU than everything else of a message put together.
    RFC 5322 lines may be up to 998 characters; 78 is only a recommendation."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        fits = isinstance(value, str) and value.isascii() and len(name) + len(value) < 900
        if fits and "\r" not in value and "\n" not in value:
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


SMTP_COMPAT32 = _Headers(linesep="\r\n")


@dataclass(frozen=True)
class Invitation:
    ics: bytes
    method: str  # REQUEST or CANCEL


def message_id(key: str, *, domain: str) -> str:
    """The stable Message-ID of the delivery with idempotency key `key`."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def sender_domain(sender: str) -> str:
    _, address = parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"


def build_email(
    rendered: Rendered,
    *,
    sender: str,
    to_name: str,
    to_address: str,
    key: str,
    sent_at: datetime,
    unsubscribe_url: str,
    unsubscribe_mailto: str,
    kind: str,
    invitation: Invitation | None = None,
) -> bytes:
    """The message as sent (CRLF line ends, 7-bit safe). Built with the `compat32` MIME classes:
    the same standard message as `EmailMessage`, at a fraction of the CPU (its header registry
    re-parses every header), which is what lets one worker send hundreds a second."""
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(rendered.text, "plain", "utf-8"))
    body.attach(MIMEText(rendered.html, "html", "utf-8"))
    message: MIMEMultipart = body
    if invitation is not None:
        message = MIMEMultipart("mixed")
        message.attach(body)
        calendar = MIMEText(invitation.ics.decode("utf-8"), "calendar", "utf-8")
        calendar.set_param("method", invitation.method)
        calendar.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(calendar)
    message["From"] = sender
    message["To"] = formataddr((to_name, to_address), charset="utf-8")  # RFC 2047 words when not ASCII
    message["Subject"] = (
        Header(rendered.subject, "utf-8").encode() if not rendered.subject.isascii() else rendered.subject
    )
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id(key, domain=sender_domain(sender))
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>, <{unsubscribe_mailto}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Mentorship-Kind"] = kind
    return message.as_bytes(policy=SMTP_COMPAT32)
