"""Supervision of the platform's child processes: start them, notice one dying, stop them all."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from mentorship.processes import LOCALHOST, child_preexec, signal_group, terminate, wait_for_port


@dataclass(frozen=True)
class Child:
    """One supervised process."""

    name: str
    argv: tuple[str, ...]
    process: subprocess.Popen[bytes]


class ChildExited(RuntimeError):
    """A supervised process exited while it should have been running."""

    def __init__(self, child: Child) -> None:
        super().__init__(f"{child.name} exited with status {child.process.returncode}")
        self.child = child


class Supervisor:
    """Starts children in their own sessions with a shared environment; stops every one of them on exit.

    Children do not get the terminal's Ctrl-C themselves: the supervisor stops them, SIGTERM first and
    SIGKILL after `stop_timeout` seconds, so shutdown is ordered and complete.
    """

    def __init__(self, *, env: Mapping[str, str], cwd: Path, stop_timeout: float = 10.0) -> None:
        self.env = dict(env)
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self.children: list[Child] = []

    def spawn(self, name: str, argv: Sequence[str]) -> Child:
        """Start `argv` as child `name`; it inherits our stdout and stderr."""
        process = subprocess.Popen(
            list(argv),
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=child_preexec(),
        )
        child = Child(name=name, argv=tuple(argv), process=process)
        self.children.append(child)
        return child

    def wait_until_listening(self, child: Child, port: int, *, timeout: float = 30.0) -> None:
        """Block until `child` accepts TCP connections on `port`; raise ChildExited or TimeoutError."""
        if wait_for_port(LOCALHOST, port, timeout=timeout, alive=lambda: child.process.poll() is None):
            return
        if child.process.poll() is not None:
            raise ChildExited(child)
        raise TimeoutError(f"{child.name} did not listen on port {port} within {timeout:.0f} s")

    def watch(self, poll_seconds: float = 0.2) -> Child:
        """Block until a child exits, and return it (interrupted only by KeyboardInterrupt)."""
        while True:
            for child in self.children:
                if child.process.poll() is not None:
                    return child
            time.sleep(poll_seconds)

    def stop_all(self) -> None:
        """Stop every child: SIGTERM all at once, SIGKILL whatever still runs after `stop_timeout` seconds."""
        for child in self.children:
            if child.process.poll() is None:
                signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in self.children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        for child in self.children:
            terminate(child.process, timeout=0)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()
