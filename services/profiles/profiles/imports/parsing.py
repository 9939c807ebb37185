"""Reading an HR export of people (CSV or JSON) into import rows: pure parsing, no I/O.

Columns (CSV header or JSON keys; `external_id` is required, every other one optional):
`external_id, email, name, title, department, manager_external_id, seniority, time_zone,
languages, skills, mentor_capacity, active, years_of_experience, bio, specializations,
guidance, goals`. Lists are `;`-separated in CSV (`en;fr`), skills are `slug:level` pairs
(`python:4;pytorch:3`). A column left out leaves the field alone; an empty cell clears it,
except for what a profile always has (email, name, time zone, languages, mentor capacity),
which an empty cell leaves alone. Other columns are ignored (and reported).

Rows are numbered as a spreadsheet shows them: the CSV header is row 1, so the first person is
row 2; in JSON the first object is row 1.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from shared.text import CONTROL_CHARACTERS, no_control_characters

MAX_ROWS = 100_000

REQUIRED_COLUMN = "external_id"
TEXT_COLUMNS = ("external_id", "email", "name", "title", "department", "seniority", "time_zone", "bio")
LIST_COLUMNS = ("languages", "specializations", "guidance", "goals")
INTEGER_COLUMNS = ("mentor_capacity", "years_of_experience")
# A profile always has these: an empty cell leaves them as they are (or at their default).
NOT_CLEARABLE = frozenset({"email", "name", "time_zone", "languages", "mentor_capacity"})
COLUMNS = frozenset(
    (*TEXT_COLUMNS, *LIST_COLUMNS, *INTEGER_COLUMNS, "skills", "active", "manager_external_id")
)
_TRUE = {"true", "yes", "y", "1", "active"}
_FALSE = {"false", "no", "n", "0", "inactive"}


class UnreadableFile(ValueError):
    """The upload is not a file of people we can read (a 4xx for the whole upload)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row of an upload, kept compact (an upload holds up to 100,000 of them): its document
    `{"row": number, "values": {column: raw value}, "errors": [...]}` as JSON, and what ordering
    the rows needs. Rows are numbered as a spreadsheet shows them."""

    number: int
    external_id: str | None
    manager_external_id: str | None
    failed: bool
    document: str

    @classmethod
    def of(cls, number: int, values: dict[str, Any], errors: list[dict[str, str]] | None = None) -> Row:
        document = {"row": number, "values": values, **({"errors": errors} if errors else {})}
        return cls(
            number=number,
            external_id=_text(values.get("external_id")),
            manager_external_id=_text(values.get("manager_external_id")),
            failed=bool(errors),
            # Decoded to text: the bytes orjson returns keep the capacity of its buffer (~4 KB).
            document=orjson.dumps(document).decode(),
        )

    def as_dict(self) -> dict[str, Any]:
        """The row's document: what the import's task works on."""
        return dict(orjson.loads(self.document))

    def with_error(self, error: dict[str, str]) -> Row:
        document = self.as_dict()
        return Row.of(self.number, document["values"], [*document.get("errors", []), error])


@dataclass(frozen=True)
class Upload:
    """A parsed upload: its rows and the columns that were ignored."""

    rows: list[Row]
    ignored_columns: list[str]


@dataclass
class RowFields:
    """One row in profile terms: the fields it sets, its manager and activity, or its errors."""

    external_id: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    # Absent when the file has no manager column; None clears the manager.
    manager_external_id: str | None = None
    sets_manager: bool = False
    active: bool | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


def field_error(column: str, message: str, kind: str = "value_error") -> dict[str, str]:
    return {"field": column, "message": message, "type": kind}


def _column(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _rows(records: Iterable[tuple[int, Mapping[str, Any]]]) -> Upload:
    rows: list[Row] = []
    ignored: set[str] = set()
    columns: dict[str, str] = {}  # the file's keys as columns, worked out once per key
    for number, record in records:
        if len(rows) >= MAX_ROWS:
            raise UnreadableFile(f"a file holds at most {MAX_ROWS} people")
        values: dict[str, Any] = {}
        errors: list[dict[str, str]] = []
        # Most records hold no control character at all: one look at all of its cells at once.
        suspect = _holds_control_characters(list(record.values()))
        for key, value in record.items():
            column = columns.get(key)
            if column is None:
                column = columns[key] = _column(str(key))
            if suspect and column in COLUMNS and _holds_control_characters(value):
                # Refused for this row alone, the way the profile's text fields refuse it; never
                # stored (PostgreSQL refuses a NUL byte in JSON) nor looked up.
                errors.append(field_error(column, _CONTROL_MESSAGE))
            elif column in COLUMNS:
                values[column] = value
            elif column:
                ignored.add(CONTROL_CHARACTERS.sub("?", column))
        rows.append(Row.of(number, values, errors))
    if not rows:
        raise UnreadableFile("the file holds no people")
    return Upload(rows=rows, ignored_columns=sorted(ignored))


def parse_csv(content: bytes) -> Upload:
    """Rows of a CSV export (UTF-8, comma, semicolon or tab separated, header first)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("the file is not UTF-8 text") from None
    header_line = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(header_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(_lines(text), dialect)
    try:
        header = [_column(name) for name in next(reader)]
    except StopIteration:
        raise UnreadableFile("the file is empty") from None
    except csv.Error as exc:
        raise UnreadableFile(f"not a CSV file: {exc}") from None
    if REQUIRED_COLUMN not in header:
        raise UnreadableFile(f"the header has no {REQUIRED_COLUMN} column")
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise UnreadableFile(f"columns appear twice: {', '.join(repeated)}")
    return _rows(_csv_records(reader, header))


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their ends, as a file opened with `newline=""` gives them to the
    csv module, without a second copy of the text (an export is up to 100,000 people)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        yield text[start:end]
        start = end


def _csv_records(reader: Iterator[list[str]], header: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The records of a CSV export one by one (the upload never holds them all twice), numbered as a
    spreadsheet shows them (the header is row 1), blank lines included."""
    try:
        for number, cells in enumerate(reader, start=2):
            if any(cell.strip() for cell in cells):
                yield number, dict(zip(header, cells, strict=False))
    except csv.Error as exc:
        raise UnreadableFile(f"not a CSV file: {exc}") from None


def parse_json(content: bytes) -> Upload:
    """Rows of a JSON export: an array of objects keyed by column."""
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise UnreadableFile(f"not JSON: {exc}") from None
    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise UnreadableFile("the JSON document must be an array of objects, one per person")
    if not any(REQUIRED_COLUMN in map(_column, item) for item in document):
        raise UnreadableFile(f"the objects have no {REQUIRED_COLUMN}")
    return _rows(enumerate(document, start=1))


# --- one row in profile terms ------------------------------------------------------------------


_CONTROL_MESSAGE = "must not contain control characters (such as NUL)"


def _holds_control_characters(value: Any) -> bool:
    """Whether a cell (text, or a JSON export's lists and objects) holds a control character other
    than a line break or a tab (those are for the profile's schemas to allow or refuse)."""
    if isinstance(value, str):
        try:
            no_control_characters(value)
        except ValueError:
            return True
        return False
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return _holds_control_characters("".join(value))
        return any(_holds_control_characters(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_control_characters(item) for pair in value.items() for item in pair)
    return False


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value).strip()


def _list(value: Any) -> list[Any]:
    if _blank(value):
        return []
    if isinstance(value, list):
        return value
    return [item.strip() for item in str(value).split(";") if item.strip()]


def _integer(value: Any) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("a whole number is expected")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError("a whole number is expected") from None


def _boolean(value: Any) -> bool | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("true or false is expected")


def _skills(value: Any) -> list[Any]:
    """`python:4;pytorch:3` (or a JSON list of {skill, level}) as skill levels."""
    if _blank(value):
        return []
    if isinstance(value, list):
        return value
    skills = []
    for item in _list(value):
        slug, separator, level = item.rpartition(":")
        if not separator or not slug.strip():
            raise ValueError(f"{item!r} is not skill:level (e.g. python:4)")
        try:
            skills.append({"skill": slug.strip().lower(), "level": int(level)})
        except ValueError:
            raise ValueError(f"the level of {slug.strip()!r} is not a number from 1 to 5") from None
    return skills


def row_fields(values: Mapping[str, Any]) -> RowFields:
    """The profile fields one row sets (validation of the values themselves is the profile's)."""
    row = RowFields(external_id=_text(values.get("external_id")))
    if row.external_id is None:
        row.errors.append(field_error("external_id", "every row needs an external_id", "missing"))

    converters = {
        **dict.fromkeys(TEXT_COLUMNS, _text),
        **dict.fromkeys(LIST_COLUMNS, _list),
        **dict.fromkeys(INTEGER_COLUMNS, _integer),
        "skills": _skills,
    }
    for column, convert in converters.items():
        if column == "external_id" or column not in values:
            continue
        try:
            value = convert(values[column])
        except ValueError as exc:
            row.errors.append(field_error(column, str(exc)))
            continue
        if column in NOT_CLEARABLE and value in (None, []):
            continue
        row.fields[column] = value
    if "active" in values:
        try:
            row.active = _boolean(values["active"])
        except ValueError as exc:
            row.errors.append(field_error("active", str(exc)))
    if "manager_external_id" in values:
        row.sets_manager = True
        row.manager_external_id = _text(values["manager_external_id"])
        if row.manager_external_id is not None and row.manager_external_id == row.external_id:
            row.errors.append(field_error("manager_external_id", "a person cannot be their own manager"))
    return row


def processing_order(rows: list[Row]) -> list[Row]:
    """The rows with managers before the people who report to them (so one pass sets every
    manager, wherever in the file they are defined), file order otherwise. Rows repeating an
    external id, or in a reporting cycle within the file, get an error."""
    rows = list(rows)
    by_external_id: dict[str, int] = {}  # the first row (its index) of each external id
    for index, row in enumerate(rows):
        if row.external_id is None:
            continue
        first = by_external_id.get(row.external_id)
        if first is not None:
            message = f"external_id {row.external_id} is also on row {rows[first].number}"
            rows[index] = row.with_error(field_error("external_id", message, "duplicate"))
        else:
            by_external_id[row.external_id] = index
    ordered: list[int] = []
    placed: set[int] = set()
    for index in range(len(rows)):
        # Walk up the reporting line within the file, placing managers first.
        chain: list[int] = []
        on_chain: set[int] = set()
        current: int | None = index
        while current is not None and current not in placed and current not in on_chain:
            chain.append(current)
            on_chain.add(current)
            row = rows[current]
            manager = row.manager_external_id
            current = by_external_id.get(manager) if manager is not None and not row.failed else None
        if current is not None and current in on_chain:
            for member in chain[chain.index(current) :]:
                rows[member] = rows[member].with_error(
                    field_error(
                        "manager_external_id", "the reporting line loops within the file", "reporting_cycle"
                    )
                )
        for member in reversed(chain):
            placed.add(member)
            ordered.append(member)
    return [rows[index] for index in ordered]
