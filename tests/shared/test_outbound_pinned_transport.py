"""The address an outbound request connects to is the address that was checked (no DNS rebinding window)."""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared.outbound.destinations import DestinationPolicy, DestinationRefused, IPAddress
from shared.outbound.pinned_transport import WRITE_COALESCE_BYTES, PinnedNetworkBackend, pinned_pool


class ScriptedDns:
    """A resolver answering from a table, counting the lookups made."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append(host)
        return [ipaddress.ip_address(address) for address in self.answers[host]]


class EchoHost(BaseHTTPRequestHandler):
    """Answers every POST with 200 and the Host header it got; notes (path, host) per request."""

    received: list[tuple[str, str]]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        host = self.headers.get("host", "")
        self.received.append((self.path, host))
        self.send_response(200)
        self.send_header("content-length", str(len(host.encode())))
        self.end_headers()
        self.wfile.write(host.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """An `EchoHost` server on 127.0.0.1 (HTTPS with `tls`): its port and what it received."""
    received: list[tuple[str, str]] = []
    handler = type("Handler", (EchoHost,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()


class Receiver:
    """A plain HTTP receiver on 127.0.0.1; each test posts to a path of its own."""

    def __init__(self, port: int, received: list[tuple[str, str]]) -> None:
        self.port = port
        self._received = received

    def path(self) -> str:
        return f"/in/{uuid.uuid4().hex}"

    def hosts(self, path: str) -> list[str]:
        """The Host header of every request received on `path`."""
        return [host for received_path, host in self._received if received_path == path]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with serving() as (port, received):
        yield Receiver(port, received)


def client(policy: DestinationPolicy, dns: ScriptedDns) -> httpcore.AsyncConnectionPool:
    return pinned_pool(policy, max_connections=4, resolver=dns)


async def test_a_host_name_is_connected_at_the_checked_address_with_its_own_host_header(
    receiver: Receiver,
) -> None:
    path = receiver.path()
    dns = ScriptedDns({"hooks.example.test": ["127.0.0.1"]})
    policy = DestinationPolicy.from_allowlist(["127.0.0.1/32"], allow_http=True)
    async with client(policy, dns) as http:
        url = f"http://hooks.example.test:{receiver.port}{path}"
        response = await http.request("POST", url, content=b"{}")
    assert response.status == 200
    assert receiver.hosts(path) == [f"hooks.example.test:{receiver.port}"]
    assert dns.lookups == ["hooks.example.test"]


async def test_a_host_name_resolving_inside_is_refused_before_any_connection(receiver: Receiver) -> None:
    path = receiver.path()
    dns = ScriptedDns({"rebound.example.test": ["127.0.0.1"], "mixed.example.test": ["8.8.8.8", "10.0.0.1"]})
    policy = DestinationPolicy(allow_http=True)
    async with client(policy, dns) as http:
        for host in ("rebound.example.test", "mixed.example.test"):
            with pytest.raises(DestinationRefused, match="not a public address"):
                await http.request("POST", f"http://{host}:{receiver.port}{path}", content=b"{}")
    assert receiver.hosts(path) == []


async def test_an_allowlisted_host_name_may_resolve_inside(receiver: Receiver) -> None:
    path = receiver.path()
    dns = ScriptedDns({"hooks.internal": ["127.0.0.1"]})
    policy = DestinationPolicy.from_allowlist(["hooks.internal"], allow_http=True)
    async with client(policy, dns) as http:
        response = await http.request("POST", f"http://hooks.internal:{receiver.port}{path}", content=b"{}")
    assert response.status == 200
    assert receiver.hosts(path) == [f"hooks.internal:{receiver.port}"]


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

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "server.pem")
    client_context = ssl.create_default_context(
        cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode()
    )
    with serving(server_context) as (port, _received):
        yield port, client_context


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


class CountingBackend(httpcore.AsyncNetworkBackend):
    """The real network backend, noting every write that reaches a socket."""

    def __init__(self) -> None:
        self.real = httpcore.AnyIOBackend()
        self.writes: list[bytes] = []

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return CountingStream(await self.real.connect_tcp(*args, **kwargs), self.writes)

    async def sleep(self, seconds: float) -> None:
        await self.real.sleep(seconds)


class CountingStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream, writes: list[bytes]) -> None:
        self.stream = stream
        self.writes = writes

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.writes.append(buffer)
        await self.stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self.stream.aclose()

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


async def test_a_request_leaves_in_one_write_head_and_body_together(receiver: Receiver) -> None:
    """httpcore writes a request's head and body apart; the pinned stream sends them as one (one
    system call, one wake-up of the receiver), on a fresh connection and on a reused one, and
    sends a body streamed in chunks in parts as it comes rather than holding all of it."""
    counting = CountingBackend()
    backend = PinnedNetworkBackend(
        DestinationPolicy.from_allowlist(["127.0.0.1/32"], allow_http=True),
        resolver=ScriptedDns({"hooks.example.com": ["127.0.0.1"]}),
        backend=counting,
    )
    async with httpcore.AsyncConnectionPool(max_connections=1, network_backend=backend) as pool:
        url = f"http://hooks.example.com:{receiver.port}{receiver.path()}"
        for body in (b'{"first": true}', b'{"second": true}'):
            before = len(counting.writes)
            response = await pool.request(
                "POST", url, headers=[(b"content-type", b"application/json")], content=body
            )
            assert response.status == 200
            (sent,) = counting.writes[before:]
            assert sent.startswith(b"POST /in/") and sent.endswith(b"\r\n\r\n" + body)

        chunk = b"x" * (WRITE_COALESCE_BYTES // 4)

        async def streamed() -> AsyncIterator[bytes]:
            for _ in range(12):
                yield chunk

        before = len(counting.writes)
        response = await pool.request(
            "POST", url, headers=[(b"content-length", str(12 * len(chunk)).encode())], content=streamed()
        )
        assert response.status == 200
        sent_parts = counting.writes[before:]
        assert len(sent_parts) >= 3  # not held until the whole body was there
        assert all(len(part) < WRITE_COALESCE_BYTES + len(chunk) + 1024 for part in sent_parts)
        assert b"".join(sent_parts).endswith(b"\r\n\r\n" + chunk * 12)
