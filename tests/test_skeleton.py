"""Every registered service has the same skeleton, so a reader who knows one knows them all
(CONTRIBUTING.md, "The skeleton of a service"), and builds on the shared blocks instead of copies."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mentorship.services import SERVICES

ROOT = Path(__file__).resolve().parents[1]
NAMES = [spec.name for spec in SERVICES]
# Module (or package) -> its role; `service` may be a module or a package split per aggregate.
MODULES = {
    "main": "create_app() and the lifespan: nothing else",
    "worker": "run(): one call to shared.worker.run_worker",
    "config": "the service's settings",
    "dependencies": "the service's own Annotated aliases (SettingsDep, ...); the rest: shared.dependencies",
    "routes": "HTTP: parse, authorize, call a use case or a query, shape the response",
    "schemas": "request and response models",
    "documents": "response shaping shared by routes",
    "models": "tables",
    "service": "use cases: state change and outbox event in one transaction",
    "queries": "reads",
    "handlers": "event consumers, one function per event type",
    "jobs": "periodic and retried work on the shared job runner",
}
# Copies of shared building blocks that must not come back.
FORBIDDEN = {
    r"\bEventConsumer\(": "consumers are built by shared.worker from `SOURCES` (handlers.py)",
    r"\.limit\(limit \+ 1\)": "pages come from shared.pagination.keyset_page",
    r"pg_advisory_xact_lock": "locks come from shared.locks.advisory_lock",
    r"\.add_listener\(": "LISTEN loops come from shared.listening.listen",
    r"asyncio\.run\(": "sync entry points use shared.blocking.run_blocking (or shared.worker.serve)",
    r"def utcnow\(|def _now\(|def now_utc\(": "the clock is shared.clock.utcnow",
    r"IdempotencyKeys\(": "idempotent creation goes through shared.dependencies.Writer",
    r"constraint_name\b.*getattr\(exc": "constraint names come from shared.constraints",
}


def package(name: str) -> Path:
    return ROOT / "services" / name / name


@pytest.mark.parametrize("name", NAMES)
def test_every_service_has_the_skeleton_modules(name: str) -> None:
    root = package(name)
    missing = [
        module
        for module in MODULES
        if not (root / f"{module}.py").is_file() and not (root / module / "__init__.py").is_file()
    ]
    assert missing == [], f"{name} lacks {missing}: see CONTRIBUTING.md"


@pytest.mark.parametrize("name", NAMES)
def test_main_only_creates_the_app(name: str) -> None:
    tree = ast.parse((package(name) / "main.py").read_text())
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    assert functions == ["create_app"], f"{name}/main.py defines {functions}"


@pytest.mark.parametrize("name", NAMES)
def test_the_worker_is_one_call_to_run_worker(name: str) -> None:
    source = (package(name) / "worker.py").read_text()
    assert source.count("run_worker(") == 1, f"{name}/worker.py must call shared.worker.run_worker once"
    assert "outbox=" not in source and "consumers=" not in source, "use messaging= and sources="


@pytest.mark.parametrize("name", NAMES)
def test_dependencies_add_to_the_shared_ones_and_routes_take_the_service_s_own(name: str) -> None:
    """Reader, Caller, Admin, Writer, Creation, Change and Paging come from shared.dependencies; a
    service's dependencies.py holds only its own (its settings; profiles' writer refusing leavers).
    A module that imports a name the service overrides from shared.dependencies would bypass it."""
    source = (package(name) / "dependencies.py").read_text()
    assert "from shared.dependencies import" in source
    assert not re.search(r"^Reader\s*=", source, re.M), f"{name} defines its own Reader"
    tree = ast.parse(source)
    own = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    if "Writer" in own:
        assert {"Creation", "Change"} <= own, f"{name}'s own Writer needs its own Creation and Change"
    bypassing = []
    for path in sorted(package(name).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "shared.dependencies":
                bypassing += [f"{path.name}: {alias.name}" for alias in node.names if alias.name in own]
    assert bypassing == [], f"take these from {name}.dependencies"


@pytest.mark.parametrize("name", NAMES)
def test_no_copies_of_shared_building_blocks(name: str) -> None:
    found = []
    for path in sorted(package(name).rglob("*.py")):
        text = path.read_text()
        for pattern, why in FORBIDDEN.items():
            if re.search(pattern, text):
                found.append(f"{path.relative_to(ROOT)}: {pattern} ({why})")
    assert found == []


@pytest.mark.parametrize("name", NAMES)
def test_a_service_imports_no_other_service(name: str) -> None:
    others = set(NAMES) - {name}
    found = []
    for path in sorted(package(name).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            found += [f"{path.name}: {module}" for module in modules if module.split(".")[0] in others]
    assert found == []


@pytest.mark.parametrize("name", NAMES)
def test_no_grab_bag_modules(name: str) -> None:
    bad = [
        path.name
        for path in package(name).rglob("*.py")
        if path.stem in {"utils", "helpers", "misc", "common", "manager", "web", "store"}
    ]
    assert bad == [], "name modules after what they hold"


@pytest.mark.parametrize("name", NAMES)
def test_use_case_modules_stay_small(name: str) -> None:
    # Past ~400 lines a use-case module is split per aggregate (service/<aggregate>.py).
    single = package(name) / "service.py"
    if single.is_file():
        assert len(single.read_text().splitlines()) <= 450, f"split {name}/service.py per aggregate"


@pytest.mark.parametrize("name", NAMES)
def test_a_service_consumes_exactly_the_streams_the_registry_says(name: str) -> None:
    import importlib
    from types import SimpleNamespace

    from mentorship.services import spec
    from shared.config import ServiceSettings

    sources = importlib.import_module(f"{name}.handlers").SOURCES
    if callable(sources):
        config = importlib.import_module(f"{name}.config")
        settings_class = next(
            value
            for value in vars(config).values()
            if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings
        )
        sources = sources(SimpleNamespace(settings=settings_class()))
    assert sorted(sources) == sorted(spec(name).sources()), "fix the registry entry or handlers.SOURCES"


@pytest.mark.parametrize("name", NAMES)
def test_routes_are_declared_by_kind_with_their_tag(name: str) -> None:
    """One way to declare an operation (shared.routing.Routes): a line naming what it does, its
    model and its problems, the docstring as its documentation; the tag is declared with the router."""
    patterns = (r"@router\.(get|post|put|patch|delete)\(", r"\bAPIRouter\(", r"key=idempotency_key")
    found = []
    for path in sorted((package(name) / "routes").glob("*.py")):
        text = path.read_text()
        found += [f"{path.name}: {m.group(0)}" for pattern in patterns for m in re.finditer(pattern, text)]
    assert found == [], "declare routes with shared.routing.Routes, create with shared.dependencies.Creation"
    main = (package(name) / "main.py").read_text()
    assert "openapi_tags=TAGS" not in main or "Tags only some routes carry" in main, "routers own tags"
