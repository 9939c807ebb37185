"""The snapshot export is documented: docs/outcomes.md names every table, column and measure."""

from __future__ import annotations

from pathlib import Path

from feedback.outcomes.measures import CATALOG
from feedback.outcomes.tables import TABLES

DOC = Path(__file__).resolve().parents[3] / "docs" / "outcomes.md"


def test_every_table_column_and_measure_is_documented() -> None:
    text = DOC.read_text()
    for table in TABLES.values():
        section = text.split(f"### `{table.name.value}`", 1)
        assert len(section) == 2, f"no section for the {table.name.value} table"
        body = section[1].split("\n### ", 1)[0]
        for column in table.columns:
            assert f"| `{column.name}` | {column.type} |" in body, f"{table.name.value}.{column.name}"
    for measure in CATALOG:
        assert f"`{measure.value}`" in text
