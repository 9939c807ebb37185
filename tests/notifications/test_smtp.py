"""The SMTP connection against real local servers: authentication, STARTTLS, and what a refused
login means (the message stays queued: the server is not usable, the message is not at fault)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mentorship.mail_sink import MailSink, start_sink
from mentorship.processes import free_port
from notifications.channels.attempts import Result
from notifications.channels.smtp import SmtpConnection, SmtpServer

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


async def sending_allowed() -> bool:
    return True


def server(port: int, **options: object) -> SmtpServer:
    values: dict[str, object] = {"host": "127.0.0.1", "port": port, "security": "none", "username": None,
                                 "password": None, "timeout": 5.0}  # fmt: skip
    values.update(options)
    return SmtpServer(**values)  # type: ignore[arg-type]


async def test_a_server_requiring_a_login_takes_mail_with_the_right_credentials_only() -> None:
    sink = MailSink()
    controller = start_sink(sink, credentials=("notifications", "s3cret"))
    try:
        good = SmtpConnection(server(controller.port, username="notifications", password="s3cret"))
        sent = await good.send(
            sender="a@example.org", recipient="b@example.org", data=MESSAGE, before_data=sending_allowed
        )
        await good.close()
        bad = SmtpConnection(server(controller.port, username="notifications", password="wrong"))
        refused = await bad.send(
            sender="a@example.org", recipient="b@example.org", data=MESSAGE, before_data=sending_allowed
        )
        await bad.close()
    finally:
        controller.stop()
    assert sent.result is Result.SENT and sent.detail.startswith("250")
    assert refused.result is Result.UNREACHABLE  # left queued, retried once the settings are fixed
    assert len(sink.messages) == 1


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    local = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(local, critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def test_starttls_upgrades_the_connection_before_anything_is_sent(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    sink = MailSink()
    controller = Controller(
        sink, hostname="127.0.0.1", port=free_port(), tls_context=server_tls, require_starttls=True
    )
    controller.start()
    try:
        client_tls = ssl.create_default_context(cafile=str(cert))
        connection = SmtpConnection(server(controller.port, security="starttls", tls_context=client_tls))
        sent = await connection.send(
            sender="a@example.org", recipient="b@example.org", data=MESSAGE, before_data=sending_allowed
        )
        await connection.close()
        plain = SmtpConnection(server(controller.port))
        refused = await plain.send(
            sender="a@example.org", recipient="b@example.org", data=MESSAGE, before_data=sending_allowed
        )
        await plain.close()
    finally:
        controller.stop()
    assert sent.result is Result.SENT
    assert refused.result is not Result.SENT  # the server insists on STARTTLS first
    assert len(sink.messages) == 1
