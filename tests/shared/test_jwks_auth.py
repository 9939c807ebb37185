"""Production tokens: RS256 from the organization's identity provider, verified against its JWKS."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.auth import TokenVerifier
from shared.config import ServiceSettings
from shared.errors import Problem

IDP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROGUE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    """A local identity provider publishing its public key as a JWKS document."""
    jwk = json.loads(RSAAlgorithm.to_jwk(IDP_KEY.public_key()))
    jwk.update({"kid": "idp-1", "use": "sig", "alg": "RS256"})
    document = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def token(key: rsa.RSAPrivateKey, **overrides: object) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "person-7",
        "org": "org-prod",
        "roles": ["admin"],
        "iss": "https://idp.example",
        "aud": "mentorship-api",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "idp-1"})


@pytest.fixture
def verifier(jwks_url: str) -> TokenVerifier:
    settings = ServiceSettings(
        environment="production",
        jwt_jwks_url=jwks_url,
        jwt_issuer="https://idp.example",
        jwt_audience="mentorship-api",
        jwt_algorithms=["RS256"],
    )
    return TokenVerifier(settings)


async def test_token_signed_by_the_identity_provider_is_accepted(verifier: TokenVerifier) -> None:
    principal = await verifier.verify(token(IDP_KEY))
    assert (principal.subject, principal.organization, principal.is_admin) == ("person-7", "org-prod", True)


@pytest.mark.parametrize(
    "bad",
    [
        lambda: token(ROGUE_KEY),
        lambda: token(IDP_KEY, aud="another-api"),
        lambda: token(IDP_KEY, iss="https://rogue.example"),
        lambda: token(IDP_KEY, exp=int(time.time()) - 600),
        # A development token (HS256 with the local secret) is no good in production.
        lambda: jwt.encode(
            {
                "sub": "x",
                "org": "o",
                "aud": "mentorship-api",
                "iss": "https://idp.example",
                "exp": int(time.time()) + 60,
            },
            "a-development-secret-of-32-bytes!",
            algorithm="HS256",
            headers={"kid": "idp-1"},
        ),
    ],
)
async def test_tokens_not_from_the_identity_provider_are_401(verifier: TokenVerifier, bad: object) -> None:
    with pytest.raises(Problem) as caught:
        await verifier.verify(bad())  # type: ignore[operator]
    assert caught.value.status == 401
