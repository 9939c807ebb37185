"""Running a coroutine to completion from synchronous code (CLI commands, Alembic's env.py).

Inside a running event loop (async tests and fixtures call the same code) `asyncio.run` is refused,
so the coroutine then runs in a fresh thread with its own loop and its result or error comes back.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` and return its result, whether or not this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(asyncio.run(coroutine))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="run-blocking")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
