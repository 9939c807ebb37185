"""A person's export archive: one zip of JSON files, a folder per service, and a README that says
what each file holds. Pure: parts in, bytes out."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

Part = dict[str, Any]

README_INTRO = """# Your data on the mentorship platform

This archive holds what every service of the platform keeps about you, as JSON files in one
folder per service. Text that other people wrote privately (their notes, their messages to you
that they deleted, their private feedback) is never part of it; your own private text is.

- Person: {person_id}
- Organization: {organization}
- Exported at: {exported_at}

"""


def readme(*, person_id: str, organization: str, exported_at: datetime, parts: Sequence[Part]) -> str:
    """The archive's README.md: per service what it is, per file what it holds and how many records."""
    lines = [
        README_INTRO.format(
            person_id=person_id, organization=organization, exported_at=exported_at.isoformat()
        )
    ]
    for part in sorted(parts, key=lambda part: str(part["service"])):
        lines.append(f"## {part['service']}/\n\n{part.get('about', '')}\n")
        files = part.get("files", [])
        if not files:
            lines.append("- (nothing held about you)\n")
        for file in files:
            lines.append(f"- `{part['service']}/{file['name']}` ({file['records']} records): {file['about']}")
        lines.append("")
    return "\n".join(lines) + "\n"


def build_archive(
    *, person_id: str, organization: str, exported_at: datetime, parts: Sequence[Part]
) -> bytes:
    """The zip of a person's export: README.md and `<service>/<file>.json` for every part's files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(
            "README.md",
            readme(person_id=person_id, organization=organization, exported_at=exported_at, parts=parts),
        )
        for part in parts:
            for file in part.get("files", []):
                archive.writestr(
                    f"{part['service']}/{file['name']}",
                    orjson.dumps(file.get("content", []), option=orjson.OPT_INDENT_2),
                )
    return buffer.getvalue()
