"""Bearer JWT authentication: who is calling, for which organization, in which roles."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import anyio
import jwt
from fastapi import Depends, Request

from shared.config import ServiceSettings
from shared.errors import Problem


class Role(StrEnum):
    ADMIN = "admin"
    MENTOR = "mentor"
    MENTEE = "mentee"
    INTEGRATION = "integration"


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller. `subject` is the person id (or the integration's client id)."""

    subject: str
    organization: str
    roles: frozenset[Role]

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_integration(self) -> bool:
        return Role.INTEGRATION in self.roles

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


def _unauthorized(detail: str) -> Problem:
    return Problem(
        401, detail, slug="unauthorized", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


class TokenVerifier:
    """Verifies signature, expiry, issuer and audience; `alg: none` and unknown algorithms are refused.

    A verified token is remembered until it expires, so a client's repeated calls skip the
    signature check (bounded; the oldest entries go first).
    """

    CACHE_SIZE = 10_000

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None
        )
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            if cached[1] > time.time():
                return cached[0]
            del self._verified[token]
        principal, expires = await self._verify(token)
        if len(self._verified) >= self.CACHE_SIZE:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, expires)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        settings = self._settings
        try:
            if self._jwks is not None:
                # PyJWKClient fetches over blocking I/O (cached after the first call).
                signing_key = await anyio.to_thread.run_sync(self._jwks.get_signing_key_from_jwt, token)
                key: Any = signing_key.key
                algorithms = [a for a in settings.jwt_algorithms if not a.startswith("HS")] or ["RS256"]
            else:
                key = settings.jwt_secret.get_secret_value()
                algorithms = settings.jwt_algorithms
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
                leeway=10,
            )
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorized("the token has expired") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise _unauthorized(f"invalid token: {exc}") from exc
        organization = claims.get("org")
        roles = claims.get("roles", [])
        if not isinstance(organization, str) or not organization:
            raise _unauthorized("the token has no organization (`org` claim)")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise _unauthorized("the `roles` claim must be a list of strings")
        known = {r.value for r in Role}
        principal = Principal(
            subject=str(claims["sub"]),
            organization=organization,
            roles=frozenset(Role(r) for r in roles if r in known),
        )
        return principal, float(claims["exp"])


def mint_dev_token(
    *,
    subject: str,
    organization: str,
    roles: list[str],
    ttl_seconds: int = 3600,
    settings: ServiceSettings | None = None,
) -> str:
    """Sign a development token with the local secret (never used against an identity provider)."""
    settings = settings or ServiceSettings()
    now = int(time.time())
    claims = {
        "sub": subject,
        "org": organization,
        "roles": roles,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


async def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401, "a bearer token is required", slug="unauthorized", headers={"WWW-Authenticate": "Bearer"}
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(token.strip())
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require_roles(*roles: Role) -> Any:
    """Dependency: the caller must hold one of `roles` (else 403)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*roles):
            raise Problem(403, f"requires one of the roles: {', '.join(sorted(roles))}")
        return principal

    return Depends(check)
