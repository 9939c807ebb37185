"""Text that people and systems send us: one type refuses control characters, whatever the field.

A NUL byte in a name, a filter or a CSV cell used to travel all the way to PostgreSQL, which refuses
it, and the client got a 500. Every free-text field and text query parameter uses these types, so
such input is a 422 naming the field instead. Tabs and line breaks stay allowed in multi-line text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, StringConstraints

# Any C0 control or DEL (for one-line values such as query parameters); then the same except tab,
# line feed and carriage return (allowed in multi-line text).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\t]")


def no_control_characters(value: str) -> str:
    """`value` unchanged, or ValueError if it holds a control character such as NUL."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters (such as NUL)")
    return value


def single_line(value: str) -> str:
    """`value` unchanged, or ValueError if it holds any control character, line breaks included."""
    no_control_characters(value)
    if _LINE_BREAK.search(value):
        raise ValueError("must be a single line")
    return value


# A query parameter or any short text: no control characters at all.
SafeText = Annotated[str, AfterValidator(single_line)]
# Multi-line free text (notes, reflections, messages): line breaks and tabs allowed.
SafeMultilineText = Annotated[str, AfterValidator(no_control_characters)]


@dataclass(frozen=True)
class Line(GroupedMetadata):
    """`Annotated[str, Line(200)]`: a single-line text field, trimmed, of bounded length."""

    max_length: int
    min_length: int = 1

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(strip_whitespace=True, min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(single_line)


@dataclass(frozen=True)
class Paragraphs(GroupedMetadata):
    """`Annotated[str, Paragraphs(4000)]`: multi-line text, trimmed, of bounded length."""

    max_length: int
    min_length: int = 1

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(strip_whitespace=True, min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(no_control_characters)
