"""Which event types an endpoint receives: patterns with shell-style wildcards.

An endpoint subscribes to patterns such as `mentorship.matching.*`, `*.person.*` or
`mentorship.profiles.person.deactivated`. `*` matches any run of characters (dots included) and
`?` any one character. A pattern matches an event type by its full name
(`mentorship.profiles.person.updated.v1`) or by its name without the version suffix, so a
subscription to `mentorship.profiles.person.updated` also receives a future `.v2`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

PATTERN = re.compile(r"^[a-z0-9_.*?]{1,200}$")
_VERSION_SUFFIX = re.compile(r"\.v[0-9]+$")


def unversioned(event_type: str) -> str:
    """`mentorship.profiles.person.updated.v1` -> `mentorship.profiles.person.updated`."""
    return _VERSION_SUFFIX.sub("", event_type)


def matches(pattern: str, event_type: str) -> bool:
    """Whether one pattern matches an event type (by full or unversioned name)."""
    return fnmatchcase(event_type, pattern) or fnmatchcase(unversioned(event_type), pattern)


def subscribed(patterns: Iterable[str], event_type: str) -> bool:
    """Whether any of an endpoint's patterns matches the event type."""
    return any(matches(pattern, event_type) for pattern in patterns)


def pattern_problems(patterns: Sequence[str], catalog: Iterable[str]) -> list[tuple[int, str]]:
    """(index, message) for each pattern that is malformed or matches no known event type.

    A pattern that matches nothing is almost always a typo, so it is refused rather than kept
    silently receiving nothing.
    """
    known = list(catalog)
    problems: list[tuple[int, str]] = []
    for index, pattern in enumerate(patterns):
        if not PATTERN.match(pattern):
            problems.append((index, "use lowercase letters, digits, '_', '.' and the wildcards '*' and '?'"))
        elif not any(matches(pattern, event_type) for event_type in known):
            problems.append((index, f"{pattern!r} matches no event type (see GET /v1/event-types)"))
    return problems
