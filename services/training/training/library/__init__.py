"""The starter library shipped with the service: modules written by us, grouped in collections.

Each module is `modules/<key>.md`: TOML front matter between `+++` lines (title, audience,
minutes, reflection prompt, links, knowledge check) and the Markdown body. `collections.toml`
orders them into collections (mentor basics, mentee basics, responsible AI). The files are read
once and validated with the same models and rules as modules written through the API, so a
mistake in them fails at start-up and in the tests, not in an organization's course.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from training.knowledge_checks import KnowledgeCheck, check_problems
from training.media import url_problem

FOLDER = Path(__file__).resolve().parent
AUDIENCES = ("mentor", "mentee", "both", "admin")


@dataclass(frozen=True)
class LibraryModule:
    key: str
    title: str
    audience: str
    estimated_minutes: int
    body_markdown: str
    reflection_prompt: str | None
    links: tuple[dict[str, str], ...]
    check: KnowledgeCheck | None


@dataclass(frozen=True)
class Collection:
    key: str
    title: str
    description: str
    audience: str
    modules: tuple[LibraryModule, ...]


class LibraryError(ValueError):
    """A library file is malformed (a defect of the shipped files, caught by the tests)."""


def parse_module(key: str, text: str) -> LibraryModule:
    """A module from its file's text."""
    if not text.startswith("+++\n"):
        raise LibraryError(f"{key}: the file must start with TOML front matter between +++ lines")
    front, separator, body = text[4:].partition("\n+++\n")
    if not separator:
        raise LibraryError(f"{key}: the front matter is not closed by a +++ line")
    meta: dict[str, Any] = tomllib.loads(front)
    if meta.get("audience") not in AUDIENCES:
        raise LibraryError(f"{key}: audience must be one of {AUDIENCES}")
    check = TypeAdapter(KnowledgeCheck).validate_python(meta["check"]) if "check" in meta else None
    if check is not None and (problems := check_problems(check)):
        raise LibraryError(f"{key}: knowledge check: {problems}")
    links = tuple({"title": str(link["title"]), "url": str(link["url"])} for link in meta.get("links", []))
    for link in links:
        if (problem := url_problem(link["url"])) is not None:
            raise LibraryError(f"{key}: link {link['url']!r} {problem}")
    minutes = int(meta["estimated_minutes"])
    if not 1 <= minutes <= 600 or not body.strip():
        raise LibraryError(f"{key}: needs 1-600 minutes and a body")
    return LibraryModule(
        key=key,
        title=str(meta["title"]),
        audience=str(meta["audience"]),
        estimated_minutes=minutes,
        body_markdown=body.strip() + "\n",
        reflection_prompt=meta.get("reflection_prompt"),
        links=links,
        check=check,
    )


@lru_cache(maxsize=1)
def collections() -> tuple[Collection, ...]:
    """Every collection of the starter library, its modules in course order."""
    index = tomllib.loads((FOLDER / "collections.toml").read_text(encoding="utf-8"))
    found: list[Collection] = []
    for entry in index["collections"]:
        modules = tuple(
            parse_module(key, (FOLDER / "modules" / f"{key}.md").read_text(encoding="utf-8"))
            for key in entry["modules"]
        )
        found.append(
            Collection(
                key=entry["key"],
                title=entry["title"],
                description=entry["description"],
                audience=entry["audience"],
                modules=modules,
            )
        )
    return tuple(found)


def modules() -> tuple[LibraryModule, ...]:
    """Every module of the library once, in collection order."""
    seen: dict[str, LibraryModule] = {}
    for collection in collections():
        for module in collection.modules:
            seen.setdefault(module.key, module)
    return tuple(seen.values())
