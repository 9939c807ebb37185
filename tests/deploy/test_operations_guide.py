"""deploy/OPERATIONS.md stays true: its commands parse, its files exist, its variables are settings."""

from __future__ import annotations

import re
import shlex

import pytest
import typer
from typer.core import TyperGroup

from mentorship.cli import app
from shared.config import ServiceSettings
from tests.deploy.manifests import (
    OPERATIONS_GUIDE,
    ROOT,
    compose_variables,
    registered,
    service_setting_names,
    setting_names,
)


def code_lines() -> list[str]:
    lines, inside = [], False
    for line in OPERATIONS_GUIDE.read_text().splitlines():
        if line.strip().startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line)
    return lines


def mentorship_commands() -> list[list[str]]:
    """Every `mentorship ...` run in the guide's code blocks (alone or in a container), as its arguments."""
    commands = []
    for line in code_lines():
        words = shlex.split(line, comments=True)
        for index, word in enumerate(words):
            runs_it = index == 0 or words[index - 1] == "--" or (index >= 2 and words[index - 2] == "exec")
            if word == "mentorship" and runs_it:
                commands.append(words[index + 1 :])
    return commands


@pytest.mark.parametrize("arguments", mentorship_commands(), ids=" ".join)
def test_every_mentorship_command_in_the_guide_parses(arguments: list[str]) -> None:
    command = typer.main.get_command(app)
    context = command.make_context("mentorship", [], resilient_parsing=True)
    remaining = list(arguments)
    while isinstance(command, TyperGroup):
        name = remaining.pop(0)
        sub = command.get_command(context, name)
        assert sub is not None, f"no command {name!r}"
        command = sub
        context = command.make_context(name, [], parent=context, resilient_parsing=True)
    # Parses and converts every option and argument, as a real invocation would, without running it.
    command.make_context(command.name or "", remaining, parent=context.parent)


def test_the_guide_shows_the_migration_and_dead_letter_commands() -> None:
    commands = {" ".join(arguments[:2]) for arguments in mentorship_commands()}
    assert {"deadletters list", "deadletters replay"} <= commands
    assert any(arguments[0] == "migrate" for arguments in mentorship_commands())


def test_every_file_the_guide_names_exists() -> None:
    text = OPERATIONS_GUIDE.read_text()
    path = r"(?:deploy|shared|services)/[\w./<>-]*|docker-compose\.yml|Dockerfile|\.env\.example"
    named = set(re.findall(rf"`({path})`", text))
    assert named
    for path in named:
        if "<" in path:
            continue  # a pattern such as services/<service>/...
        assert (ROOT / path).exists(), path


def test_every_variable_the_guide_names_is_a_setting_or_a_compose_variable() -> None:
    text = OPERATIONS_GUIDE.read_text()
    named = {match.split("=")[0] for match in re.findall(r"`([A-Z][A-Z0-9_]{2,}(?:=[^`]*)?)`", text)}
    known = setting_names(ServiceSettings).union(
        *(service_setting_names(service) for service in registered()), compose_variables()
    )
    assert named
    assert named - known == set()
