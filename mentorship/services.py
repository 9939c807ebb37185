"""The registry of the platform's services: everything that names them derives from SERVICES.

The operator CLI, the test platform and the benchmarks read it at run time; the gateway, compose,
Kubernetes, NATS definitions, packaging and the docs' service tables are written from it by
`make generate` (mentorship/generate.py). Adding a service: CONTRIBUTING.md, "Adding a service".
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_PORT_BASE = 8000
# Top-level packages of the project besides the services'.
PLATFORM_PACKAGES = ("shared", "mentorship")


@dataclass(frozen=True, kw_only=True)
class Deployment:
    """What a service's containers need beyond what every service gets."""

    # Requested per API and per worker container; the limit is what it may grow to.
    memory: str = "512Mi"
    memory_limit: str = "1Gi"
    worker_max_replicas: int = 6
    # A Secret `<name>-secrets` that only this service's API and worker read (deploy/kubernetes).
    own_secret: bool = False
    # The setting that gets the gateway's public URL + `/<name>`, for links the API hands out.
    public_url_setting: str = ""


@dataclass(frozen=True, kw_only=True)
class ServiceSpec:
    """One service: how to run it (API app factory, worker module) and how it talks to the others."""

    name: str
    port: int
    # One line: what the service owns (README, gateway index, compose and manifest comments).
    summary: str
    # The services whose streams it reads (one durable consumer each; see its handlers.py).
    consumes: tuple[str, ...] = ()
    # Reads every publisher's stream, present and future ones (webhooks delivers every event).
    consumes_every_publisher: bool = False
    # Has a stream of its own (`mentorship.<name>.>`), i.e. shared/contracts/<name>.py has events.
    publishes: bool = True
    deployment: Deployment = Deployment()
    # Empty means the conventional location, filled in from the name.
    app: str = field(default="")
    worker: str = field(default="")

    def __post_init__(self) -> None:
        if not self.app:
            object.__setattr__(self, "app", f"{self.name}.main:create_app")
        if not self.worker:
            object.__setattr__(self, "worker", f"{self.name}.worker")

    def api_port(self, port_base: int = DEFAULT_PORT_BASE) -> int:
        """The API's port when every service port is shifted to start from `port_base`."""
        return self.port - DEFAULT_PORT_BASE + port_base

    @property
    def folder(self) -> str:
        """Where the service lives, relative to the repository: its migrations and its package."""
        return f"services/{self.name}"

    def sources(self) -> tuple[str, ...]:
        """The services whose streams this one reads, in registry order."""
        if self.consumes_every_publisher:
            return tuple(service.name for service in SERVICES if service.publishes)
        return tuple(service.name for service in SERVICES if service.name in self.consumes)


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        name="profiles",
        port=8001,
        summary="people, skills, availability, programs, enrollments, SCIM, bulk import",
        # Only that a program has matches (its format is fixed from then on).
        consumes=("matching", "privacy"),
        # SCIM `Location` and `meta.location` are absolute URLs, never built from a request's Host.
        deployment=Deployment(public_url_setting="PUBLIC_BASE_URL"),
    ),
    ServiceSpec(
        name="matching",
        port=8002,
        summary="explainable scores, program-wide assignment, proposals, matches",
        # scheduling: flash sessions both sides agreed to turn into a long-term match.
        consumes=("profiles", "feedback", "training", "scheduling", "privacy"),
        # The assignment solver holds a whole program's score matrix.
        deployment=Deployment(memory="1Gi", memory_limit="2Gi"),
    ),
    ServiceSpec(
        name="scheduling",
        port=8003,
        summary="common slots across time zones, sessions, reminders, calendar feeds",
        # workspace: programs requiring an agreement signed before the first session, and signatures.
        consumes=("profiles", "matching", "workspace", "privacy"),
        deployment=Deployment(public_url_setting="PUBLIC_BASE_URL"),
    ),
    ServiceSpec(
        name="feedback",
        port=8004,
        summary="ratings, check-ins, relationship health, program analytics, outcomes across programs",
        consumes=("profiles", "matching", "scheduling", "workspace", "training", "privacy"),
    ),
    ServiceSpec(
        name="webhooks",
        port=8005,
        summary="endpoints, signed delivery of every domain event, delivery log",
        consumes_every_publisher=True,
        deployment=Deployment(own_secret=True, worker_max_replicas=8),
    ),
    ServiceSpec(
        name="notifications",
        port=8008,
        summary="email, Slack and Teams, an in-app inbox with a live stream, preferences and digests",
        consumes=("profiles", "matching", "scheduling", "feedback", "training", "workspace", "privacy"),
        # SMTP credentials, the unsubscribe secret and the key sealing Slack tokens.
        deployment=Deployment(own_secret=True, public_url_setting="PUBLIC_BASE_URL"),
    ),
    ServiceSpec(
        name="portal",
        port=8009,
        summary="the signed-in person's home view in one round trip (backend-for-frontend)",
        consumes=("privacy",),
        # Holds nothing of its own, but publishes what every service says about itself: its (empty)
        # part of each export and its confirmation of each erasure (shared/contracts/portal.py).
    ),
    ServiceSpec(
        name="training",
        port=8007,
        summary="courses, knowledge checks, reflections, assignments, readiness gates, starter library",
        consumes=("profiles", "privacy"),
    ),
    ServiceSpec(
        name="workspace",
        port=8006,
        summary="the pair's agreement, goals and milestones, action items, session notes, messages",
        consumes=("profiles", "matching", "scheduling", "feedback", "privacy"),
    ),
    ServiceSpec(
        name="privacy",
        port=8010,
        summary="audit trail, a person's data export, erasure across every service, retention policies",
        # Every service's audit entries, export parts and erasure confirmations.
        consumes_every_publisher=True,
    ),
)


def names() -> tuple[str, ...]:
    """Every service's name, in registry order (the order of migrations and of starting)."""
    return tuple(service.name for service in SERVICES)


def spec(name: str) -> ServiceSpec:
    """The service called `name`."""
    (found,) = select([name])
    return found


def publishers() -> tuple[ServiceSpec, ...]:
    """The services with a stream of their own."""
    return tuple(service for service in SERVICES if service.publishes)


def packages() -> tuple[str, ...]:
    """The project's top-level packages: the platform's own and one per service."""
    return (*PLATFORM_PACKAGES, *names())


def select(names: list[str] | None = None) -> list[ServiceSpec]:
    """The services called `names` (all of them when None or empty), in registry order."""
    if not names:
        return list(SERVICES)
    known = {service.name for service in SERVICES}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown service(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [service for service in SERVICES if service.name in names]


def _check(services: tuple[ServiceSpec, ...]) -> None:
    """A mistake in the registry fails at import, not halfway through a deployment."""
    seen = [service.name for service in services]
    duplicates = {name for name in seen if seen.count(name) > 1}
    ports = [service.port for service in services]
    publishing = {service.name for service in services if service.publishes}
    problems = [f"service {name!r} registered twice" for name in sorted(duplicates)]
    problems += [f"port {port} taken twice" for port in sorted({p for p in ports if ports.count(p) > 1})]
    for service in services:
        if not service.name.isidentifier() or not service.name.islower():
            problems.append(f"{service.name!r}: a service name is a lower-case Python package name")
        if service.name in PLATFORM_PACKAGES:
            problems.append(f"{service.name!r} is a platform package")
        problems += [
            f"{service.name} consumes {source!r}, which is not a registered publisher"
            for source in service.consumes
            if source not in publishing
        ]
    if problems:
        raise ValueError("mentorship/services.py: " + "; ".join(problems))


_check(SERVICES)
