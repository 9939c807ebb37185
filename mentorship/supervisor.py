"""Supervision of the platform's child processes: start them, restart one that dies, stop them all.

A child that exits while the platform runs is started again after a pause that doubles with each
crash (`RestartPolicy`), and the log says so; the others keep running. Only a crash loop (one
child crashing `crash_loop_crashes` times within `crash_loop_seconds`) or Ctrl-C stops everything.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import NoReturn, Self

from mentorship.processes import LOCALHOST, child_preexec, signal_group, terminate, wait_for_port


@dataclass
class Child:
    """One supervised process (`process` is replaced when it is restarted)."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    crashes: deque[float] = field(default_factory=deque)  # monotonic times of its recent exits
    restart_at: float | None = None  # while waiting to be started again


class ChildExited(RuntimeError):
    """A supervised process exited while it should have been running."""

    def __init__(self, child: Child) -> None:
        super().__init__(f"{child.name} exited with status {child.process.returncode}")
        self.child = child


class CrashLoop(ChildExited):
    """A child kept crashing: restarting it again would not help."""

    def __init__(self, child: Child, policy: RestartPolicy) -> None:
        super().__init__(child)
        self.args = (
            f"{child.name} crashed {len(child.crashes)} times within {policy.crash_loop_seconds:.0f} s "
            f"(last exit status {child.process.returncode})",
        )


@dataclass(frozen=True)
class RestartPolicy:
    """How crashed children are restarted: after `first_backoff_seconds`, doubling with each crash
    within the window up to `max_backoff_seconds`; `crash_loop_crashes` crashes of one child within
    `crash_loop_seconds` is a crash loop."""

    first_backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    crash_loop_crashes: int = 5
    crash_loop_seconds: float = 60.0

    def backoff(self, recent_crashes: int) -> float:
        """The pause before restarting a child that crashed `recent_crashes` times in the window."""
        return min(self.first_backoff_seconds * 2 ** max(recent_crashes - 1, 0), self.max_backoff_seconds)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Supervisor:
    """Starts children in their own sessions with a shared environment; stops every one of them on exit.

    Children do not get the terminal's Ctrl-C themselves: the supervisor stops them, SIGTERM first and
    SIGKILL after `stop_timeout` seconds, so shutdown is ordered and complete.
    """

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        cwd: Path,
        stop_timeout: float = 10.0,
        restarts: RestartPolicy | None = None,
        report: Callable[[str], None] = _stderr,
    ) -> None:
        self.env = dict(env)
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self.restarts = restarts or RestartPolicy()
        self.report = report
        self.children: list[Child] = []

    def spawn(self, name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> Child:
        """Start `argv` as child `name` (with `env` on top of the shared environment); it inherits
        our stdout and stderr."""
        child_env = {**self.env, **(env or {})}
        child = Child(name=name, argv=tuple(argv), env=child_env, process=self._popen(argv, child_env))
        self.children.append(child)
        return child

    def _popen(self, argv: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            list(argv),
            cwd=self.cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=child_preexec(),
        )

    def wait_until_listening(self, child: Child, port: int, *, timeout: float = 30.0) -> None:
        """Block until `child` accepts TCP connections on `port`; raise ChildExited or TimeoutError."""
        if wait_for_port(LOCALHOST, port, timeout=timeout, alive=lambda: child.process.poll() is None):
            return
        if child.process.poll() is not None:
            raise ChildExited(child)
        raise TimeoutError(f"{child.name} did not listen on port {port} within {timeout:.0f} s")

    def supervise(self, poll_seconds: float = 0.2) -> NoReturn:
        """Keep every child running until Ctrl-C (KeyboardInterrupt): restart one that exits, after
        its backoff, and report it; raise `CrashLoop` when one keeps crashing."""
        while True:
            now = time.monotonic()
            for child in self.children:
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        self._restart(child)
                elif child.process.poll() is not None:
                    self._crashed(child, now)
            time.sleep(poll_seconds)

    def _crashed(self, child: Child, now: float) -> None:
        policy = self.restarts
        child.crashes.append(now)
        while child.crashes and child.crashes[0] < now - policy.crash_loop_seconds:
            child.crashes.popleft()
        # Whatever the child left in its process group goes with it, so the new one starts clean.
        terminate(child.process, timeout=0)
        if len(child.crashes) >= policy.crash_loop_crashes:
            raise CrashLoop(child, policy)
        pause = policy.backoff(len(child.crashes))
        child.restart_at = now + pause
        self.report(
            f"{child.name} exited with status {child.process.returncode}; restarting it in {pause:g} s "
            f"(crash {len(child.crashes)} of {policy.crash_loop_crashes} allowed within "
            f"{policy.crash_loop_seconds:g} s)"
        )

    def _restart(self, child: Child) -> None:
        child.restart_at = None
        child.process = self._popen(child.argv, child.env)
        self.report(f"{child.name} restarted (pid {child.process.pid})")

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
