"""Email over SMTP (aiosmtplib): one connection per sending slot, kept open between messages.

A message goes out as MAIL, RCPT, then DATA. Anything that fails before DATA left nothing at the
server and is simply tried again. Just before DATA, `before_data` records the delivery as
`sending` in the database: once DATA starts, a broken connection may or may not have left the
message with the server, and such a delivery is never sent again (see dispatcher.py).
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosmtplib

from notifications.channels.attempts import Attempt, Result
from notifications.config import NotificationsSettings


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # none, starttls or tls
    username: str | None
    password: str | None
    timeout: float
    tls_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(
        cls, settings: NotificationsSettings, tls_context: ssl.SSLContext | None = None
    ) -> SmtpServer:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_seconds,
            tls_context=tls_context,
        )


def _answer(exc: aiosmtplib.SMTPResponseException) -> str:
    return f"{exc.code} {exc.message}"[:1000]


class SmtpConnection:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        server = self.server
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.security == "tls",
            start_tls=server.security == "starttls",
            timeout=server.timeout,
            tls_context=server.tls_context,
        )
        await client.connect()
        if server.username and server.password is not None:
            await client.login(server.username, server.password)
        self._client = client
        return client

    async def close(self) -> None:
        if self._client is not None and self._client.is_connected:
            try:
                await self._client.quit()
            except (aiosmtplib.SMTPException, OSError):
                self._client.close()
        self._client = None

    async def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None

    async def send(
        self, *, sender: str, recipient: str, data: bytes, before_data: Callable[[], Awaitable[bool]]
    ) -> Attempt:
        """Hand one message over; `before_data` returns False to abandon it (no longer ours)."""
        try:
            client = await self._connected()
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._drop()
            return Attempt(
                Result.UNREACHABLE, f"cannot reach {self.server.host}:{self.server.port}: {exc}"[:1000]
            )
        try:
            await client.mail(sender)
            await client.rcpt(recipient)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(client)
            return Attempt(Result.BOUNCED if exc.code >= 500 else Result.RETRY, _answer(exc))
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._drop()
            return Attempt(Result.UNREACHABLE, f"connection lost before the message was sent: {exc}"[:1000])
        if not await before_data():
            await self._reset(client)
            return Attempt(Result.CANCELED, "claimed by another worker")
        try:
            response = await client.data(data)
        except aiosmtplib.SMTPResponseException as exc:
            # The server answered: it did not take the message.
            await self._reset(client)
            return Attempt(Result.BOUNCED if exc.code >= 500 else Result.RETRY, _answer(exc))
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._drop()
            return Attempt(Result.UNKNOWN, f"connection lost while sending the message: {exc}"[:1000])
        return Attempt(Result.SENT, f"{response.code} {response.message}"[:1000])

    async def _reset(self, client: aiosmtplib.SMTP) -> None:
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, OSError):
            await self._drop()
