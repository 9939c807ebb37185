"""The address a webhook connects to is the address that was checked (no DNS rebinding window)."""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.webhooks.receiver import Receiver
from webhooks.destinations import DestinationPolicy, DestinationRefused, IPAddress
from webhooks.pinned_transport import pinned_pool


class ScriptedDns:
    """A resolver answering from a table, counting the lookups made."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append(host)
        return [ipaddress.ip_address(address) for address in self.answers[host]]


def client(policy: DestinationPolicy, dns: ScriptedDns) -> httpcore.AsyncConnectionPool:
    return pinned_pool(policy, max_connections=4, resolver=dns)


async def test_a_host_name_is_connected_at_the_checked_address_with_its_own_host_header(
    receiver: Receiver,
) -> None:
    route = receiver.route()
    dns = ScriptedDns({"hooks.example.test": ["127.0.0.1"]})
    policy = DestinationPolicy.from_allowlist(["127.0.0.1/32"], allow_http=True)
    url = route.url.replace("127.0.0.1", "hooks.example.test")
    async with client(policy, dns) as http:
        response = await http.request("POST", url, content=b"{}")
    assert response.status == 200
    (request,) = route.requests
    assert request.headers["host"] == f"hooks.example.test:{receiver.port}"
    assert dns.lookups == ["hooks.example.test"]


async def test_a_host_name_resolving_inside_is_refused_before_any_connection(receiver: Receiver) -> None:
    route = receiver.route()
    dns = ScriptedDns({"rebound.example.test": ["127.0.0.1"], "mixed.example.test": ["8.8.8.8", "10.0.0.1"]})
    policy = DestinationPolicy(allow_http=True)
    async with client(policy, dns) as http:
        for host in ("rebound.example.test", "mixed.example.test"):
            with pytest.raises(DestinationRefused, match="not a public address"):
                await http.request("POST", route.url.replace("127.0.0.1", host), content=b"{}")
    assert route.requests == []


async def test_an_allowlisted_host_name_may_resolve_inside(receiver: Receiver) -> None:
    route = receiver.route()
    dns = ScriptedDns({"hooks.internal": ["127.0.0.1"]})
    policy = DestinationPolicy.from_allowlist(["hooks.internal"], allow_http=True)
    async with client(policy, dns) as http:
        response = await http.request("POST", route.url.replace("127.0.0.1", "hooks.internal"), content=b"{}")
    assert response.status == 200


@pytest.fixture(scope="module")
def tls_receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An HTTPS server on 127.0.0.1 with a certificate for hooks.example.test only (from a
    throwaway CA), and a client context trusting that CA."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.now(UTC)

    def certificate(
        subject: str, issuer: x509.Name | None, signer: Any, public: Any, ca: bool
    ) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("hooks.example.test")]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = certificate("Test CA", None, ca_key, ca_key.public_key(), True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = certificate("hooks.example.test", ca_cert.subject, ca_key, server_key.public_key(), False)
    (folder / "server.pem").write_bytes(
        server_cert.public_bytes(serialization.Encoding.PEM)
        + server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = self.headers.get("host", "").encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "server.pem")
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(
        cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode()
    )
    try:
        yield server.server_address[1], client_context
    finally:
        server.shutdown()
        server.server_close()


async def test_https_verifies_the_certificate_of_the_host_name_while_connecting_to_the_pinned_address(
    tls_receiver: tuple[int, ssl.SSLContext],
) -> None:
    port, trusted = tls_receiver
    dns = ScriptedDns({"hooks.example.test": ["127.0.0.1"], "other.example.test": ["127.0.0.1"]})
    policy = DestinationPolicy.from_allowlist(["127.0.0.1/32"])  # HTTPS only
    async with pinned_pool(policy, max_connections=2, resolver=dns, ssl_context=trusted) as pool:
        response = await pool.request("POST", f"https://hooks.example.test:{port}/in", content=b"{}")
        assert response.status == 200
        assert response.content == f"hooks.example.test:{port}".encode()
        # The same address under a name the certificate does not cover: refused by TLS.
        with pytest.raises(httpcore.ConnectError, match="certificate"):
            await pool.request("POST", f"https://other.example.test:{port}/in", content=b"{}")
