"""The web console in a real browser against a real platform: `mentorship run` itself (every API and
worker, the gateway, the development sign-in, the built console) on a port base of its own, over the
test run's database and NATS namespace, and Debian's Chromium driven by Playwright.

The browser tests are skipped only when Chromium is not installed (`apt-get install chromium`; CI's
.ci/run installs it); the others in tests/web run regardless.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mentorship.gateway import CONSOLE_BUILD, CONSOLE_SOURCE, DEV_SIGNIN_OFFSET, build_console
from mentorship.processes import free_port_base, terminate
from mentorship.services import select
from tests.conftest import Platform, delete_streams, migrated_database, unique_name

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Where `make screenshots` wants the main screens (unset: no screenshots).
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS")


def need_chromium() -> None:
    """Skip the browser tests (only those) where Chromium is missing; CI's .ci/run installs it."""
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (CI installs it)")


def console_is_stale() -> bool:
    """Whether web/dist is missing or older than a source of the console or the TypeScript client."""
    index = CONSOLE_BUILD / "index.html"
    if not index.is_file():
        return True
    built = index.stat().st_mtime
    sources = [*CONSOLE_SOURCE.glob("src/**/*"), CONSOLE_SOURCE / "index.html"]
    sources += list((CONSOLE_SOURCE.parent / "clients" / "typescript" / "src").glob("*.ts"))
    return any(path.stat().st_mtime > built for path in sources if path.is_file())


@dataclass(frozen=True)
class RunningPlatform:
    url: str
    log: Path


@pytest.fixture(scope="package")
def console_platform(
    platform: Platform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningPlatform]:
    """`mentorship run` on a database and event namespace of its own (its workers must not work on
    other packages' rows, e.g. deliver their webhooks), with the console built first when stale;
    stopped when this package's tests are done.

    CONSOLE_URL, when set, names a platform that already runs (e.g. your own `make run`) instead.
    """
    need_chromium()
    if os.environ.get("CONSOLE_URL"):
        yield RunningPlatform(url=os.environ["CONSOLE_URL"].rstrip("/"), log=Path(os.devnull))
        return
    if console_is_stale():
        if shutil.which("npm") is None:
            pytest.fail("the web console needs building and npm is missing: install Node 20 and npm")
        build_console()
    with migrated_database(platform.admin_url) as database_url:
        own = dataclasses.replace(platform, database_url=database_url, namespace=unique_name("t"))
        try:
            yield from _run_console(own, tmp_path_factory)
        finally:
            asyncio.run(delete_streams(own))


def _run_console(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    base = free_port_base([0, *(s.api_port(0) for s in select()), DEV_SIGNIN_OFFSET])
    log = tmp_path_factory.mktemp("console") / "platform.log"
    env = {
        **os.environ,
        **platform.settings_env(),
        "LOG_LEVEL": "WARNING",
        "DATABASE_POOL_SIZE": "3",
    }
    argv = [sys.executable, "-m", "mentorship.cli", "run", "--port-base", str(base), "--demo-people", "0"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            argv, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{base}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                pytest.fail(f"mentorship run exited:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/portal/readyz", timeout=2).status_code == 200 and (
                    httpx.get(f"{url}/dev/healthz", timeout=2).status_code == 200
                ):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the platform did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        yield RunningPlatform(url=url, log=log)
    finally:
        process.send_signal(2)  # Ctrl-C: the orderly shutdown `make run` does
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            terminate(process, timeout=5)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[object]:
    need_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"
