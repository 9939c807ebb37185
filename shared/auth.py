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
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.config import ServiceSettings
from shared.context import Actor, ActorType, actor_var
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

    @property
    def person_id(self) -> uuid.UUID | None:
        """The caller's person id: the subject, when it is one (an integration's client id is not)."""
        try:
            return uuid.UUID(self.subject)
        except ValueError:
            return None

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def actor(self) -> Actor:
        """Who this caller is in the audit trail and in the events it causes."""
        if self.is_admin:
            return Actor(ActorType.ADMIN, self.subject)
        if self.is_integration:
            return Actor(ActorType.INTEGRATION, self.subject)
        return Actor(ActorType.PERSON, self.subject)


def valid_identifier(value: str, *, max_length: int = 100) -> bool:
    """An organization or subject id as tokens may carry it: printable, at most `max_length` long."""
    return 0 < len(value) <= max_length and value.isprintable()


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

    def known(self, token: str) -> Principal | None:
        """The principal of a token verified before and not yet expired (no signature check)."""
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        return None

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
                options={"require": ["exp", "iss", "aud"]},
                leeway=10,
            )
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorized("the token has expired") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise _unauthorized(f"invalid token: {exc}") from exc
        principal = principal_of(claims, settings)
        return principal, float(claims["exp"])


def claim(claims: dict[str, Any], path: str) -> Any:
    """The claim at `path`: a claim name, or a dotted path into nested claims (`realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def principal_of(claims: dict[str, Any], settings: ServiceSettings) -> Principal:
    """The caller a verified token speaks for, read through the settings' claim mapping
    (`JWT_SUBJECT_CLAIM`, `JWT_ORG_CLAIM`, `JWT_ROLES_CLAIM`, `JWT_ROLE_MAP`,
    `JWT_DEFAULT_ORGANIZATION`), so any OpenID Connect provider's tokens can be used as they come."""
    subject = claim(claims, settings.jwt_subject_claim)
    if not isinstance(subject, str | int) or not str(subject):
        raise _unauthorized(f"the token has no subject (`{settings.jwt_subject_claim}` claim)")
    organization = claim(claims, settings.jwt_org_claim)
    if organization is None:
        organization = settings.jwt_default_organization
    if not isinstance(organization, str) or not organization:
        raise _unauthorized(f"the token has no organization (`{settings.jwt_org_claim}` claim)")
    if not valid_identifier(organization) or not valid_identifier(str(subject), max_length=200):
        # Stored as-is in every table's organization column: a NUL byte or an overlong value
        # would reach PostgreSQL and fail there.
        raise _unauthorized("the organization or subject claim is not a valid identifier")
    roles = claim(claims, settings.jwt_roles_claim)
    if roles is None:
        roles = []
    elif isinstance(roles, str):  # e.g. a `scope`-like claim: space-separated names
        roles = roles.split()
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise _unauthorized(f"the `{settings.jwt_roles_claim}` claim must be a list of strings")
    known = {r.value for r in Role}
    mapped = {settings.jwt_role_map.get(name, name) for name in roles}
    return Principal(
        subject=str(subject),
        organization=organization,
        roles=frozenset(Role(name) for name in mapped if name in known),
    )


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


# Declares the bearer JWT in every OpenAPI document (securitySchemes and each operation's `security`),
# so generated clients and tools know how to authenticate. Problems are ours, not FastAPI's 403.
bearer_scheme = HTTPBearer(
    bearerFormat="JWT",
    description="A JWT from the organization's identity provider (development: `mentorship token`)",
    auto_error=False,
)


def bearer_token(request: Request) -> str | None:
    """The bearer token of a request, if it carries one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authenticate(
    request: Request, _credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)
) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:  # verified already (before the body was read)
        actor_var.set(cached.actor)
        return cached
    token = bearer_token(request)
    if token is None:
        raise Problem(
            401, "a bearer token is required", slug="unauthorized", headers={"WWW-Authenticate": "Bearer"}
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(token)
    request.state.principal = principal
    # The request's state changes and the events they publish name this caller as their actor.
    actor_var.set(principal.actor)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require_roles(*roles: Role) -> Any:
    """Dependency: the caller must hold one of `roles` (else 403)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*roles):
            raise Problem(403, f"requires one of the roles: {', '.join(sorted(roles))}")
        return principal

    # Read by the OpenAPI completion (shared/openapi.py), which says who the route's 403 is for.
    check.required_roles = frozenset(roles)  # type: ignore[attr-defined]
    return Depends(check)
