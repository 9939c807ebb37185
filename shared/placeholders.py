"""Fixed-placeholder substitution for strings that users write (link templates, labels).

A user-supplied string never becomes a `str.format`/`%` format or a template that can evaluate
anything: the only thing recognised is `{name}` where `name` is one of a fixed set given by the
caller. Attribute access, indexing, conversions and format specs are not syntax here; a brace that
does not open a known placeholder is refused when the string is saved, so nothing ever reaches a
renderer that could walk from a value to module globals. Rich templates (e-mail bodies) use Jinja's
sandbox instead, never this module and never `str.format`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

# `{` + a plain identifier + `}`: nothing else in braces is a placeholder.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,63})\}")


@dataclass(frozen=True)
class PlaceholderTemplate:
    """A string with `{name}` placeholders drawn from a fixed set."""

    text: str

    def names(self) -> list[str]:
        """The placeholder names in the order they appear (known or not)."""
        return [match.group(1) for match in _PLACEHOLDER.finditer(self.text)]

    def problems(self, allowed: Collection[str]) -> list[str]:
        """Why the template cannot be used with `allowed` placeholders (empty when it can).

        The messages quote only what the user wrote, never a substituted value.
        """
        problems: list[str] = []
        unknown = sorted({name for name in self.names() if name not in allowed})
        if unknown:
            problems.append(
                f"unknown placeholders {', '.join('{' + name + '}' for name in unknown)}; "
                f"allowed: {', '.join('{' + name + '}' for name in sorted(allowed))}"
            )
        # Whatever braces remain once the placeholders are taken out are not placeholders.
        if "{" in _PLACEHOLDER.sub("", self.text) or "}" in _PLACEHOLDER.sub("", self.text):
            problems.append(
                "braces may only enclose a placeholder name such as {session_id}: "
                "no attributes, indexes, format specs or nested braces"
            )
        return problems

    def render(self, values: Mapping[str, str], *, escape: Callable[[str], str] = str) -> str:
        """Substitute `values` (already strings) for their placeholders, each passed through `escape`.

        A name missing from `values` stays as written (templates are checked with `problems` when
        saved; one stored before a rule tightened must still render, not fail a booking).
        """

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            return escape(values[name]) if name in values else match.group(0)

        return _PLACEHOLDER.sub(substitute, self.text)
