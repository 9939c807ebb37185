"""`make generate`: every file that names the services is written from the registry, and stays so.

The second test is the promise of CONTRIBUTING.md ("Adding a service"): on a copy of the repository,
a service's folder, one registry entry and `make generate` are all every derived file needs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from mentorship.generate import REGISTRY, load_services, plan
from mentorship.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
THROWAWAY = (
    '    ServiceSpec(name="throwaway", port=8099, summary="nothing worth keeping", consumes=("profiles",)),\n'
)


def test_every_generated_file_is_what_the_registry_makes() -> None:
    changes = plan(ROOT)
    assert changes.changes == [], "stale: run `make generate` (python -m mentorship.generate)"


def copy_of_the_repository(tmp_path: Path) -> Path:
    """What the generator reads: the registry and generator, the files it rewrites, a package folder
    per registered service."""
    root = tmp_path / "repository"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("mentorship", "deploy"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "docker-compose.yml"):
        shutil.copy(ROOT / name, root / name)
    for service in SERVICES:
        (root / service.folder / service.name).mkdir(parents=True)
    return root


def register(root: Path, entry: str) -> None:
    """Append `entry` to the SERVICES tuple of the copy's registry."""
    registry = root / REGISTRY
    text = registry.read_text()
    start = text.index("SERVICES: tuple[ServiceSpec, ...] = (\n")
    end = text.index("\n)\n", start) + 1
    registry.write_text(text[:end] + entry + text[end:])


def generate(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The copy's own generator (run from the copy, whose `mentorship` package comes first)."""
    return subprocess.run(
        [sys.executable, "-m", "mentorship.generate", "--root", str(root), *arguments],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_a_new_service_is_its_folder_one_registry_entry_and_make_generate(tmp_path: Path) -> None:
    root = copy_of_the_repository(tmp_path)
    register(root, THROWAWAY)

    without_package = generate(root)
    assert without_package.returncode == 2
    assert "services/throwaway/throwaway/" in without_package.stderr

    (root / "services" / "throwaway" / "throwaway").mkdir(parents=True)
    stale = generate(root, "--check")
    assert stale.returncode == 1
    assert "stale: docker-compose.yml" in stale.stdout

    generated = generate(root)
    assert generated.returncode == 0, generated.stderr
    assert generate(root, "--check").returncode == 0

    caddyfile = (root / "deploy/caddy/Caddyfile").read_text()
    assert "handle_path /throwaway/* {\n\t\treverse_proxy {$THROWAWAY_API:throwaway-api:8000}" in caddyfile
    assert f"|{SERVICES[-1].name}|throwaway)$" in caddyfile

    compose = load(root / "docker-compose.yml")["services"]
    assert compose["throwaway-migrate"]["command"] == ["mentorship", "migrate", "throwaway"]
    assert compose["throwaway-api"]["command"][:3] == ["uvicorn", "--factory", "throwaway.main:create_app"]
    assert compose["throwaway-api"]["ports"] == ["127.0.0.1:8099:8000"]
    assert compose["throwaway-worker"]["command"] == ["python", "-m", "throwaway.worker"]
    assert "throwaway-api" in compose["gateway"]["depends_on"]

    manifests = list(yaml.safe_load_all((root / "deploy/kubernetes/throwaway.yaml").read_text()))
    kinds = {(manifest["kind"], manifest["metadata"]["name"]) for manifest in manifests}
    assert {
        ("Job", "throwaway-migrate"),
        ("Deployment", "throwaway-api"),
        ("Service", "throwaway-api"),
    } <= kinds
    assert ("Deployment", "throwaway-worker") in kinds
    assert "kubernetes/throwaway.yaml" in load(root / "deploy/kustomization.yaml")["resources"]

    nats = root / "deploy/nats"
    stream = json.loads((nats / "streams/MENTORSHIP_THROWAWAY.json").read_text())
    assert stream["subjects"] == ["mentorship.throwaway.>"]
    assert json.loads((nats / "consumers/MENTORSHIP_PROFILES/throwaway.json").read_text())[
        "durable_name"
    ] == ("throwaway")
    # webhooks delivers every publisher's events, the new one's too.
    assert (nats / "consumers/MENTORSHIP_THROWAWAY/webhooks.json").is_file()

    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    assert "services/throwaway" in find["where"]
    assert "throwaway*" in find["include"]
    assert "services/throwaway/throwaway" in pyproject["tool"]["mypy"]["files"]
    assert "throwaway" in pyproject["tool"]["ruff"]["lint"]["isort"]["known-first-party"]

    assert "| **throwaway** | nothing worth keeping | 8099 |" in (root / "README.md").read_text()
    assert "| **throwaway** |" in (root / "deploy/OPERATIONS.md").read_text()


def test_a_removed_service_leaves_no_generated_file_behind(tmp_path: Path) -> None:
    root = copy_of_the_repository(tmp_path)
    registry = root / REGISTRY
    text = registry.read_text()
    start = text.index('    ServiceSpec(\n        name="feedback"')
    end = text.index("    ),\n", start) + len("    ),\n")
    # Its readers (matching, workspace, notifications) stop reading its stream: it goes with it.
    registry.write_text((text[:start] + text[end:]).replace(', "feedback"', ""))

    assert generate(root).returncode == 0
    assert not (root / "deploy/kubernetes/feedback.yaml").exists()
    assert not (root / "deploy/nats/streams/MENTORSHIP_FEEDBACK.json").exists()
    assert not (root / "deploy/nats/consumers/MENTORSHIP_FEEDBACK").exists()
    assert not list((root / "deploy/nats/consumers").glob("*/feedback.json"))
    assert (root / "deploy/kubernetes/gateway.yaml").exists(), "hand-written manifests stay"


def test_a_registry_entry_reading_an_unknown_stream_is_refused(tmp_path: Path) -> None:
    root = copy_of_the_repository(tmp_path)
    register(root, '    ServiceSpec(name="throwaway", port=8099, summary="x", consumes=("profile",)),\n')
    with pytest.raises(ValueError, match="throwaway consumes 'profile'"):
        load_services(root)
