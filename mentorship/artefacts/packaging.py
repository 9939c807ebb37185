"""The service-naming keys of pyproject.toml: packaging, mypy's files, ruff's first-party packages.

Each sits in a marked region of the otherwise hand-written file; the result is read back with tomllib
to prove the regions hold exactly these keys and values.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from typing import Any

from mentorship.services import PLATFORM_PACKAGES, ServiceSpec

PATH = "pyproject.toml"


def _keys(services: Sequence[ServiceSpec]) -> dict[str, dict[tuple[str, ...], list[str]]]:
    """Region -> (table path of the key -> its value)."""
    names = [service.name for service in services]
    packages = [*PLATFORM_PACKAGES, *names]
    find = ("tool", "setuptools", "packages", "find")
    sources = [f"{service.folder}/{service.name}" for service in services]
    return {
        # Each service's package lives in services/<name>/<name>/, installed as top-level `<name>`.
        "packages": {
            (*find, "where"): [".", *(service.folder for service in services)],
            (*find, "include"): [f"{package}*" for package in packages],
        },
        "typed": {("tool", "mypy", "files"): [*PLATFORM_PACKAGES, *sources]},
        "first-party": {("tool", "ruff", "lint", "isort", "known-first-party"): [*packages, "tests"]},
    }


def _array(key: str, values: list[str]) -> str:
    # A JSON string is a TOML basic string.
    return f"{key} = [\n" + "".join(f"  {json.dumps(value)},\n" for value in values) + "]\n"


def regions(services: Sequence[ServiceSpec]) -> dict[str, str]:
    return {
        region: "".join(_array(path[-1], values) for path, values in keys.items())
        for region, keys in _keys(services).items()
    }


def check(text: str, services: Sequence[ServiceSpec]) -> None:
    """Fail unless `text` (pyproject.toml with its regions written) holds the expected keys."""
    document = tomllib.loads(text)
    for keys in _keys(services).values():
        for path, expected in keys.items():
            found: Any = document
            for part in path:
                found = found.get(part, {}) if isinstance(found, dict) else {}
            if found != expected:
                raise ValueError(f"{PATH}: {'.'.join(path)} is {found!r} after generating, not {expected!r}")
