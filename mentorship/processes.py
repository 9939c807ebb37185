"""Operating-system process lifetime: free ports, readiness, termination, and not outliving the parent."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

LOCALHOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


def free_port(host: str = LOCALHOST) -> int:
    """A TCP port nothing listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def ephemeral_ports() -> range:
    """The ports the kernel hands to outgoing connections (Linux's ip_local_port_range)."""
    with contextlib.suppress(OSError, ValueError):
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(low), int(high) + 1)
    return range(32768, 61000)  # Linux's default


def free_port_base(offsets: Sequence[int], host: str = LOCALHOST) -> int:
    """A port base (a multiple of 100) at which `base + offset` is free for every offset, outside
    the ephemeral range: there an outgoing connection may take a port between this check and the
    bind (seen in CI: a platform's API refused with 'address already in use')."""
    ephemeral = ephemeral_ports()
    bases = [
        base
        for base in range(10_000, 65_500, 100)
        if not any(base + offset in ephemeral or base + offset > 65_535 for offset in offsets)
    ]
    for base in random.sample(bases, min(len(bases), 200)):
        if not any(port_accepts(host, base + offset, timeout=0.05) for offset in offsets):
            return base
    raise RuntimeError("no free port base")


def port_accepts(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether a TCP connection to `host:port` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, *, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Wait until `host:port` accepts connections; False on timeout or as soon as `alive()` turns False."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        if port_accepts(host, port):
            return alive()
        time.sleep(0.05)
    return False


def pid_alive(pid: int) -> bool:
    """Whether process `pid` runs; a zombie counts as gone (its parent, maybe PID 1, may never reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        pass
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        # The state follows the parenthesised command name, which may itself contain spaces.
        return stat.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    return True


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Wait until process `pid` is gone; False if it still runs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def terminate(process: subprocess.Popen[bytes], *, timeout: float) -> int:
    """Stop a child started in its own session: SIGTERM its group, then SIGKILL after `timeout` seconds.

    Returns the child's exit status.
    """
    if process.poll() is None:
        signal_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    # Even after the leader exits, grandchildren (e.g. server workers) may still hold the group.
    signal_group(process, signal.SIGKILL)
    return process.wait()


def kill(process: subprocess.Popen[bytes]) -> int:
    """SIGKILL a child started in its own session, with its whole process group."""
    signal_group(process, signal.SIGKILL)
    return process.wait()


def signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    """Send `signum` to the process group led by `process` (to `process` alone if it leads none)."""
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)


def child_preexec() -> Callable[[], None] | None:
    """A `preexec_fn` that makes a child receive SIGTERM when this process dies, even by SIGKILL.

    Linux only, and only from the main thread: the kernel fires on the death of the spawning *thread*,
    so a child spawned from a short-lived thread would be stopped early.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    libc = _libc()
    if libc is None:
        return None
    parent = os.getpid()

    def die_with_parent() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return die_with_parent


_LIBC: list[ctypes.CDLL | None] = []


def _libc() -> ctypes.CDLL | None:
    # Loaded in the parent, once: dlopen inside a forked child of a threaded process can deadlock.
    if not _LIBC:
        name = ctypes.util.find_library("c")
        try:
            _LIBC.append(ctypes.CDLL(name, use_errno=True) if name else None)
        except OSError:
            _LIBC.append(None)
    return _LIBC[0]
