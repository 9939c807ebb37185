"""deploy/caddy/Caddyfile: every service's API and docs behind one address, under /<service>/.

Built as a tree of directives and written out, so every service's route comes from the same data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mentorship.artefacts.containers import API_PORT, component
from mentorship.artefacts.marks import HEADER
from mentorship.artefacts.yaml_text import comment_lines
from mentorship.services import ServiceSpec

PATH = "deploy/caddy/Caddyfile"
_INTRO = f"""\
{HEADER} (mentorship/artefacts/gateway.py).

The gateway: every service's API and its docs behind one address.
  /profiles/... -> profiles-api:8000/...   (and likewise every service)
`handle_path` strips the prefix; each API runs with `uvicorn --root-path /<service>`, so its /docs
page and its OpenAPI `servers` point back through the prefix. The same file serves docker-compose
and Kubernetes (the APIs' Services there carry the same names and port).

Environment: SITE_ADDRESS (default :8080, plain HTTP; a domain name turns on automatic HTTPS, which
then needs ports 80 and 443), <SERVICE>_API (an upstream other than <service>-api:8000).
"""


@dataclass(frozen=True)
class Heredoc:
    """A multi-line argument (`<<TEXT ... TEXT`), written indented with its block."""

    lines: tuple[str, ...]
    marker: str = "TEXT"


@dataclass(frozen=True)
class Directive:
    """One line of a Caddyfile, with its block when it has one; `comment` goes on the lines above."""

    words: tuple[str | Heredoc, ...]
    block: tuple[Directive, ...] | None = None
    comment: str = ""
    blank_line_before: bool = False


def _lines(directive: Directive, depth: int) -> list[str]:
    indent = "\t" * depth
    lines = [""] if directive.blank_line_before else []
    lines += comment_lines(directive.comment, prefix=f"{indent}# ").splitlines()
    line = indent + " ".join(_token(word, indent) for word in directive.words)
    if directive.block is None:
        return [*lines, line]
    lines.append(f"{line} {{" if directive.words else f"{indent}{{")
    for inner in directive.block:
        lines += _lines(inner, depth + 1)
    return [*lines, f"{indent}}}"]


def _token(word: str | Heredoc, indent: str) -> str:
    if isinstance(word, Heredoc):
        # Caddy strips the closing marker's indentation from every line of the text.
        body = "".join(f"{indent}\t{line}".rstrip() + "\n" for line in word.lines)
        return f"<<{word.marker}\n{body}{indent}\t{word.marker}"
    if word and not any(character.isspace() or character == '"' for character in word):
        return word
    return '"' + word.replace('"', '\\"') + '"'


# `encode` gives a compressed answer's ETag the encoding's suffix ("3-zstd"), as a strong validator of
# that representation must; clients send it back in If-Match, and the APIs know their own ETags only.
_ETAG_SUFFIX = ('-(?:zstd|gzip)"', '"')


def _route(service: ServiceSpec) -> Directive:
    upstream = f"{{${service.name.upper()}_API:{component(service, 'api')}:{API_PORT}}}"
    proxy = Directive(
        ("reverse_proxy", upstream),
        (
            Directive(("header_up", "If-Match", *_ETAG_SUFFIX)),
            Directive(("header_up", "If-None-Match", *_ETAG_SUFFIX)),
        ),
    )
    return Directive(("handle_path", f"/{service.name}/*"), (proxy,))


def _index(services: Sequence[ServiceSpec]) -> Directive:
    width = max(len(f"/{service.name}/docs") for service in services)
    docs = [f"  {f'/{service.name}/docs'.ljust(width)}  {service.summary}" for service in services]
    lines = ("Mentorship platform. API docs:", *docs)
    return Directive(
        ("handle", "/"),
        (
            Directive(("header", "Content-Type", "text/plain; charset=utf-8")),
            Directive(("respond", Heredoc(lines), "200")),
        ),
        blank_line_before=True,
    )


def directives(services: Sequence[ServiceSpec]) -> list[Directive]:
    names = "|".join(service.name for service in services)
    site = (
        Directive(("encode", "zstd", "gzip")),
        Directive(("log",)),
        *(
            Directive(route.words, route.block, blank_line_before=index == 0)
            for index, route in enumerate(map(_route, services))
        ),
        Directive(
            ("@service", "path_regexp", "service", f"^/({names})$"),
            comment="A bare service prefix leads to that service's interactive docs.",
            blank_line_before=True,
        ),
        Directive(("redir", "@service", "/{re.service.1}/docs", "302")),
        _index(services),
        Directive(("handle",), (Directive(("respond", "Not found", "404")),)),
    )
    return [
        Directive(
            (),
            (
                Directive(("admin", "off")),
                Directive(
                    ("servers",),
                    (Directive(("trusted_proxies", "static", "private_ranges")),),
                    comment="Behind a load balancer or an ingress, trust the X-Forwarded-* headers it sets "
                    "(private ranges only).",
                ),
            ),
        ),
        Directive(("{$SITE_ADDRESS::8080}",), site, blank_line_before=True),
        Directive(
            (":8081",),
            (Directive(("respond", "/healthz", "ok", "200")),),
            comment="The gateway's own liveness, on a port of its own that stays plain HTTP whatever "
            "SITE_ADDRESS is.",
            blank_line_before=True,
        ),
    ]


def caddyfile(services: Sequence[ServiceSpec]) -> str:
    lines = [line for directive in directives(services) for line in _lines(directive, 0)]
    return comment_lines(_INTRO) + "\n".join(lines) + "\n"


# `mentorship run`: the same routes on this machine, plus the web console and the development sign-in.
LOCAL_INTRO = """\
The gateway of `mentorship run`, written to .run/ at every start from the registry
(mentorship/artefacts/gateway.py).

The same routes as deploy/caddy/Caddyfile, to the APIs on this machine (<SERVICE>_API), plus:
  /dev/...  the development sign-in (DEV_SIGNIN_API), never part of a production gateway
  /docs     the list of every API's docs
  /         the web console, built into CONSOLE_ROOT (web/dist), any other path falling back to it
"""


def local_caddyfile(services: Sequence[ServiceSpec]) -> str:
    """The Caddyfile `mentorship run` starts Caddy with (environment: SITE_ADDRESS, <SERVICE>_API,
    DEV_SIGNIN_API, CONSOLE_ROOT)."""
    names = "|".join(service.name for service in services)
    index = _index(services)
    console = (
        Directive(("root", "*", "{$CONSOLE_ROOT}")),
        # A path the console routes itself (e.g. /programs/...) gets its page.
        Directive(("try_files", "{path}", "/index.html")),
        Directive(("file_server",)),
    )
    site = (
        Directive(("encode", "zstd", "gzip")),
        *(
            Directive(route.words, route.block, blank_line_before=index_ == 0)
            for index_, route in enumerate(map(_route, services))
        ),
        Directive(
            ("handle", "/dev/*"),
            (Directive(("reverse_proxy", "{$DEV_SIGNIN_API}")),),
            comment="Development only: sign in as any demo person (mentorship/dev_signin.py).",
            blank_line_before=True,
        ),
        Directive(
            ("@service", "path_regexp", "service", f"^/({names})$"),
            comment="A bare service prefix leads to that service's interactive docs.",
            blank_line_before=True,
        ),
        Directive(("redir", "@service", "/{re.service.1}/docs", "302")),
        Directive(("handle", "/docs"), index.block, blank_line_before=True),
        Directive(("handle",), console, comment="The web console.", blank_line_before=True),
    )
    directives = [
        Directive((), (Directive(("admin", "off")), Directive(("default_bind", "127.0.0.1")))),
        Directive(("{$SITE_ADDRESS}",), site, blank_line_before=True),
    ]
    lines = [line for directive in directives for line in _lines(directive, 0)]
    return comment_lines(LOCAL_INTRO) + "\n".join(lines) + "\n"
