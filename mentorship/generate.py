"""`python -m mentorship.generate` (`make generate`): write every file that names the services, from
the registry in mentorship/services.py.

`--check` writes nothing and exits 1 naming the stale files (tests/mentorship/test_generate.py makes
the same check, so `make test` fails on a stale file); `--root PATH` works on the checkout at PATH,
with the registry of that checkout.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mentorship.artefacts import compose, docs, gateway, kubernetes, packaging, streams
from mentorship.artefacts.marks import HEADER, replace_regions
from mentorship.services import ServiceSpec

REPOSITORY = Path(__file__).resolve().parents[1]
REGISTRY = "mentorship/services.py"


def load_services(root: Path) -> tuple[ServiceSpec, ...]:
    """The SERVICES of `root`'s registry, loaded from its file (not the installed package's)."""
    name = f"_registry_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, root / REGISTRY)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(root / REGISTRY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look the module up while building the classes
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    services: tuple[ServiceSpec, ...] = module.SERVICES
    return services


def missing_packages(root: Path, services: Sequence[ServiceSpec]) -> list[str]:
    """Registered services without their package folder (packaging would name a folder not there)."""
    return [f"{s.folder}/{s.name}/" for s in services if not (root / s.folder / s.name).is_dir()]


def planned(root: Path, services: Sequence[ServiceSpec]) -> dict[str, str]:
    """Path (relative to `root`) -> the content it must have."""
    files = {gateway.PATH: gateway.caddyfile(services), compose.PATH: compose.text(services)}
    files |= {kubernetes.manifest_path(service): kubernetes.manifest(service) for service in services}
    files |= streams.definitions(services)
    files[f"{streams.STREAMS}/README.md"] = streams.readme("streams")
    files[f"{streams.CONSUMERS}/README.md"] = streams.readme("consumers")
    regions = {
        kubernetes.KUSTOMIZATION: {"services": kubernetes.kustomization_resources(services)},
        packaging.PATH: packaging.regions(services),
        docs.README: docs.readme_regions(services),
        docs.OPERATIONS: docs.operations_regions(services),
    }
    for path, contents in regions.items():
        files[path] = replace_regions((root / path).read_text(), contents, path=path)
    packaging.check(files[packaging.PATH], services)
    return files


def obsolete(root: Path, files: dict[str, str]) -> list[str]:
    """Generated files on disk that the registry no longer calls for (e.g. of a removed service)."""
    generated = [*root.glob(f"{streams.STREAMS}/*.json"), *root.glob(f"{streams.CONSUMERS}/*/*.json")]
    generated += [
        path
        for path in root.glob(f"{kubernetes.FOLDER}/*.yaml")
        if path.read_text().startswith(f"# {HEADER}")
    ]
    relative = [str(path.relative_to(root)) for path in generated]
    return sorted(path for path in relative if path not in files)


@dataclass(frozen=True)
class Plan:
    """What `make generate` would change."""

    stale: list[str]  # to write: missing, or not what the registry makes
    obsolete: list[str]  # to remove
    files: dict[str, str]

    @property
    def changes(self) -> list[str]:
        return [*self.stale, *self.obsolete]


def plan(root: Path) -> Plan:
    services = load_services(root)
    missing = missing_packages(root, services)
    if missing:
        raise ValueError(
            f"registered in {REGISTRY} but missing: {', '.join(missing)}; create the service's package first"
            ' (CONTRIBUTING.md, "Adding a service")'
        )
    files = planned(root, services)
    stale = [path for path, text in files.items() if _content(root / path) != text]
    return Plan(stale=stale, obsolete=obsolete(root, files), files=files)


def _content(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None


def apply(root: Path, changes: Plan) -> None:
    for path in changes.stale:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(changes.files[path])
    for path in changes.obsolete:
        (root / path).unlink()
        folder = (root / path).parent
        if folder.parent == root / streams.CONSUMERS and not any(folder.iterdir()):
            folder.rmdir()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mentorship.generate", description="Write every file that names the services."
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    parser.add_argument(
        "--root", type=Path, default=REPOSITORY, help="the checkout to generate, with its registry"
    )
    arguments = parser.parse_args(argv)
    root: Path = arguments.root.resolve()
    try:
        changes = plan(root)
    except (ValueError, FileNotFoundError) as problem:  # a registry, region or folder to fix by hand
        print(f"mentorship.generate: {problem}", file=sys.stderr)
        return 2
    if arguments.check:
        for path in changes.stale:
            print(f"stale: {path}")
        for path in changes.obsolete:
            print(f"obsolete: {path}")
        if changes.changes:
            print(
                "run `make generate` (python -m mentorship.generate) to bring them up to date",
                file=sys.stderr,
            )
            return 1
        return 0
    apply(root, changes)
    for path in changes.stale:
        print(f"wrote {path}")
    for path in changes.obsolete:
        print(f"removed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
