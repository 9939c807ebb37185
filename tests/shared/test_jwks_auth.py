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


def mapped_settings(jwks_url: str, **mapping: object) -> ServiceSettings:
    values: dict[str, object] = {
        "environment": "production",
        "jwt_jwks_url": jwks_url,
        "jwt_issuer": "https://idp.example",
        "jwt_audience": "mentorship-api",
        "jwt_algorithms": ["RS256"],
        **mapping,
    }
    return ServiceSettings(**values)  # type: ignore[arg-type]


async def test_a_providers_own_claims_are_mapped_to_person_organization_and_roles(jwks_url: str) -> None:
    settings = mapped_settings(
        jwks_url,
        jwt_subject_claim="mentorship_person_id",
        jwt_org_claim="tenant.id",
        jwt_roles_claim="realm_access.roles",
        jwt_role_map={"mentorship-admins": "admin", "mentors": "mentor"},
    )
    signed = token(
        IDP_KEY,
        sub="idp-user-42",
        org=None,
        roles=None,
        mentorship_person_id="5f0c4a52-1f0e-4b7e-9d36-0a8f3c1e2b11",
        tenant={"id": "acme"},
        realm_access={"roles": ["mentorship-admins", "mentors", "offline_access"]},
    )
    principal = await TokenVerifier(settings).verify(signed)
    assert principal.subject == "5f0c4a52-1f0e-4b7e-9d36-0a8f3c1e2b11"
    assert principal.organization == "acme"
    assert sorted(principal.roles) == ["admin", "mentor"]


async def test_a_single_organization_provider_may_leave_the_organization_out(jwks_url: str) -> None:
    settings = mapped_settings(jwks_url, jwt_default_organization="acme", jwt_roles_claim="scp")
    signed = token(IDP_KEY, org=None, roles=None, scp="mentee openid")
    principal = await TokenVerifier(settings).verify(signed)
    assert (principal.organization, sorted(principal.roles)) == ("acme", ["mentee"])


async def test_a_token_without_the_mapped_subject_is_refused(jwks_url: str) -> None:
    settings = mapped_settings(jwks_url, jwt_subject_claim="mentorship_person_id")
    with pytest.raises(Problem) as refused:
        await TokenVerifier(settings).verify(token(IDP_KEY))
    assert refused.value.status == 401
    assert "mentorship_person_id" in str(refused.value.detail)
