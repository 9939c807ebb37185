"""The shared text types: control characters are refused with the field named, line breaks only
where text may have several lines."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from shared.text import Line, Paragraphs, SafeText


class Profile(BaseModel):
    name: Annotated[str, Line(20)]
    bio: Annotated[str, Paragraphs(200)] = "-"
    filter: SafeText = "-"


def test_text_is_trimmed_and_multi_line_text_keeps_its_lines() -> None:
    profile = Profile(name="  Ada  ", bio="line one\nline two\tindented")
    assert profile.name == "Ada" and profile.bio == "line one\nline two\tindented"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Ada\x00"}, "name"),
        ({"name": "Ada\nLovelace"}, "name"),
        ({"name": "Ada", "bio": "x\x00y"}, "bio"),
        ({"name": "Ada", "bio": "bell\x07"}, "bio"),
        ({"name": "Ada", "filter": "a\x7fb"}, "filter"),
        ({"name": "x" * 21}, "name"),
    ],
)
def test_control_characters_and_overlong_text_are_refused_naming_the_field(
    fields: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Profile(**fields)
    assert refused.value.errors()[0]["loc"] == (field,)
