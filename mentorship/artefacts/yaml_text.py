"""YAML as pyyaml writes it, plus what hand-written compose files use: named anchors, merge keys and
one-line lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml


class Anchored(dict[str, Any]):
    """A mapping written in full once, as `&name`, and as `*name` wherever the same object recurs."""

    def __init__(self, name: str, items: dict[str, Any]) -> None:
        super().__init__(items)
        self.anchor = name


class Flow(list[Any]):
    """A list written on one line, like a command: ["python", "-m", "profiles.worker"]."""


class _MergeKey(str):
    __slots__ = ()


# The `<<` key: its value (an Anchored mapping) is merged into the mapping holding it.
MERGE = _MergeKey("<<")


class _Dumper(yaml.SafeDumper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.anchor_names: dict[yaml.Node, str] = {}

    def ignore_aliases(self, data: Any) -> bool:
        # Only what is marked shares one definition; equal dicts elsewhere are written out in full.
        return not isinstance(data, Anchored)

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Lists indented under their key, as Kubernetes and compose files are usually written.
        super().increase_indent(flow, False)

    def generate_anchor(self, node: yaml.Node) -> str:
        return self.anchor_names.get(node) or str(super().generate_anchor(node))


def _represent_anchored(dumper: _Dumper, data: Anchored) -> yaml.Node:
    node = dumper.represent_dict(data)
    dumper.anchor_names[node] = data.anchor
    return node


def _represent_flow(dumper: _Dumper, data: Flow) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_merge_key(dumper: _Dumper, data: _MergeKey) -> yaml.Node:
    # Tagged as a merge key, `<<` resolves to that tag implicitly, so it is written plain.
    return yaml.ScalarNode("tag:yaml.org,2002:merge", str(data))


_Dumper.add_representer(Anchored, _represent_anchored)
_Dumper.add_representer(Flow, _represent_flow)
_Dumper.add_representer(_MergeKey, _represent_merge_key)


def dump(documents: Iterable[Any]) -> str:
    """`documents` as one YAML stream (`---` between them), keys in the order they were built."""
    text: str = yaml.dump_all(
        documents, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1_000, allow_unicode=True
    )
    return text


def comment_lines(text: str, prefix: str = "# ") -> str:
    """`text` as YAML (or Caddyfile, TOML) comment lines."""
    return "".join(f"{prefix}{line}".rstrip() + "\n" for line in text.splitlines())


def spaced(text: str) -> str:
    """`text` with a blank line before each top-level key but the first, so sections stand apart."""
    lines = text.splitlines(keepends=True)
    keys = [i for i, line in enumerate(lines) if line[:1] not in ("", " ", "#", "-", "\n")]
    for index in reversed(keys[1:]):
        lines.insert(index, "\n")
    return "".join(lines)


def with_comment_before(text: str, line: str, comment: str) -> str:
    """`text` with `comment` before `line` (which must occur once), at that line's indentation, after a
    blank line."""
    lines = text.splitlines(keepends=True)
    found = [index for index, existing in enumerate(lines) if existing.rstrip("\n") == line]
    if len(found) != 1:
        raise ValueError(f"expected the line {line!r} once, found it {len(found)} times")
    indent = line[: len(line) - len(line.lstrip())]
    lines.insert(found[0], "\n" + comment_lines(comment, prefix=f"{indent}# "))
    return "".join(lines)
