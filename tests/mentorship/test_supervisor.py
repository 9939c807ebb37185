"""`mentorship run`'s supervisor with real child processes: a crashed child is restarted with
backoff while the others keep running; only a crash loop or Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from mentorship.processes import pid_alive
from mentorship.supervisor import CrashLoop, RestartPolicy, Supervisor

QUICK = RestartPolicy(
    first_backoff_seconds=0.1, max_backoff_seconds=1.0, crash_loop_crashes=5, crash_loop_seconds=30
)
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def crashing_until(marker: Path, crashes: int) -> list[str]:
    """A child that exits with status 3 on its first `crashes` starts, then runs."""
    script = (
        "import pathlib, sys, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "starts = int(marker.read_text()) + 1 if marker.exists() else 1\n"
        "marker.write_text(str(starts))\n"
        f"if starts <= {crashes}:\n"
        "    sys.exit(3)\n"
        "time.sleep(120)\n"
    )
    return [sys.executable, "-c", script]


def supervise_until(supervisor: Supervisor, done: threading.Event, *, timeout: float = 20.0) -> None:
    """Run `supervise()` here (the main thread, as the CLI does) until `done` is set elsewhere (or
    `timeout` passes), then interrupt it as Ctrl-C would."""

    def interrupt_when_done() -> None:
        done.wait(timeout)  # past the timeout too: the test then fails on its assertions, not hangs
        os.kill(os.getpid(), signal.SIGINT)

    # What a terminal's Ctrl-C does, whatever handler an earlier test's event loop left behind.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Thread(target=interrupt_when_done, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            supervisor.supervise(poll_seconds=0.05)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_crashed_child_is_restarted_with_backoff_and_the_others_keep_running(tmp_path: Path) -> None:
    reports: list[str] = []
    marker = tmp_path / "starts"
    running_again = threading.Event()

    def report(message: str) -> None:
        reports.append(message)

    def third_start_runs() -> None:
        while not (marker.exists() and marker.read_text() == "3"):
            time.sleep(0.05)
        time.sleep(0.3)  # past the point where it would have crashed
        running_again.set()

    with Supervisor(env=os.environ, cwd=tmp_path, restarts=QUICK, report=report) as supervisor:
        steady = supervisor.spawn("steady", SLEEPER)
        flaky = supervisor.spawn("flaky", crashing_until(marker, crashes=2))
        steady_pid = steady.process.pid
        started = time.monotonic()
        threading.Thread(target=third_start_runs, daemon=True).start()
        supervise_until(supervisor, running_again)
        assert flaky.process.poll() is None  # running, on its third start
        assert steady.process.pid == steady_pid and steady.process.poll() is None
    elapsed = time.monotonic() - started

    assert marker.read_text() == "3"
    crashes = [line for line in reports if "exited" in line]
    assert crashes == [
        "flaky exited with status 3; restarting it in 0.1 s (crash 1 of 5 allowed within 30 s)",
        "flaky exited with status 3; restarting it in 0.2 s (crash 2 of 5 allowed within 30 s)",
    ]
    assert len([line for line in reports if line.startswith("flaky restarted (pid ")]) == 2
    assert elapsed >= 0.3  # the backoff was waited out
    # Ctrl-C (leaving the block) stopped every child.
    assert not pid_alive(steady_pid) and not pid_alive(flaky.process.pid)


def test_a_crash_loop_stops_everything(tmp_path: Path) -> None:
    reports: list[str] = []
    supervisor = Supervisor(env=os.environ, cwd=tmp_path, restarts=QUICK, report=reports.append)
    with supervisor, pytest.raises(CrashLoop, match="broken crashed 5 times within 30 s"):
        steady = supervisor.spawn("steady", SLEEPER)
        supervisor.spawn("broken", [sys.executable, "-c", "raise SystemExit(1)"])
        supervisor.supervise(poll_seconds=0.05)
    pauses = [line.split("restarting it in ")[1].split(" s")[0] for line in reports if "exited" in line]
    assert pauses == ["0.1", "0.2", "0.4", "0.8"]  # doubling, then the fifth crash is a loop
    assert not pid_alive(steady.process.pid)


def test_backoff_doubles_up_to_its_ceiling() -> None:
    policy = RestartPolicy(first_backoff_seconds=1, max_backoff_seconds=30)
    assert [policy.backoff(crashes) for crashes in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
