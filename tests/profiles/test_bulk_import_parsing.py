"""Reading HR exports into import rows, and the order rows are worked in: pure, no I/O."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiles.imports.parsing import (
    Row,
    UnreadableFile,
    parse_csv,
    parse_json,
    processing_order,
    row_fields,
)


def test_a_csv_export_is_read_by_column_with_spreadsheet_row_numbers() -> None:
    upload = parse_csv(
        b'\xef\xbb\xbfExternal ID,Email,Name,Phone\r\nE1,a@x.co,Ada,555\r\n\r\nE2,b@x.co,"Bob, Jr",556\r\n'
    )
    assert [row.as_dict() for row in upload.rows] == [
        {"row": 2, "values": {"external_id": "E1", "email": "a@x.co", "name": "Ada"}},
        {"row": 4, "values": {"external_id": "E2", "email": "b@x.co", "name": "Bob, Jr"}},
    ]
    assert upload.ignored_columns == ["phone"]


def test_semicolon_and_tab_separated_exports_are_read_too() -> None:
    for separator in (";", "\t"):
        text = separator.join(["external_id", "skills", "name"]) + "\n"
        text += separator.join(["E1", '"python:4;nlp:3"' if separator == ";" else "python:4;nlp:3", "Ada"])
        upload = parse_csv(text.encode())
        assert upload.rows[0].as_dict()["values"] == {
            "external_id": "E1",
            "skills": "python:4;nlp:3",
            "name": "Ada",
        }


def test_a_json_export_is_an_array_of_objects_numbered_from_one() -> None:
    upload = parse_json(
        b'[{"external_id": "E1", "languages": ["en"], "active": false}, {"external_id": "E2"}]'
    )
    assert [row.number for row in upload.rows] == [1, 2]
    assert upload.rows[0].as_dict()["values"] == {"external_id": "E1", "languages": ["en"], "active": False}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"email,name\na@x.co,Ada\n", "external_id"),
        (b"external_id,name,name\nE1,a,b\n", "twice"),
        (b"external_id\n", "no people"),
        (b"\xff\xfe\x00e", "UTF-8"),
    ],
)
def test_an_unreadable_csv_is_refused_whole(content: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile, match=reason):
        parse_csv(content)


@pytest.mark.parametrize(
    "content", [b"{", b'{"external_id": "E1"}', b"[1, 2]", b'[{"email": "a@x.co"}]', b"[]"]
)
def test_an_unreadable_json_is_refused_whole(content: bytes) -> None:
    with pytest.raises(UnreadableFile):
        parse_json(content)


def test_a_row_in_profile_terms() -> None:
    row = row_fields(
        {
            "external_id": " E1 ",
            "email": "a@x.co",
            "title": "",
            "languages": "en; fr",
            "skills": "python:4;PyTorch:3",
            "mentor_capacity": "3",
            "active": "No",
            "manager_external_id": "E9",
            "time_zone": "",
        }
    )
    assert row.errors == []
    assert row.external_id == "E1"
    assert row.fields == {
        "email": "a@x.co",
        "title": None,  # an empty cell clears an optional field
        "languages": ["en", "fr"],
        "skills": [{"skill": "python", "level": 4}, {"skill": "pytorch", "level": 3}],
        "mentor_capacity": 3,
    }  # an empty time zone leaves it alone: a profile always has one
    assert (row.active, row.manager_external_id, row.sets_manager) == (False, "E9", True)


def test_a_row_names_each_column_it_cannot_read() -> None:
    row = row_fields(
        {"skills": "python", "mentor_capacity": "many", "active": "perhaps", "years_of_experience": True}
    )
    assert {error["field"] for error in row.errors} == {
        "external_id", "skills", "mentor_capacity", "active", "years_of_experience",
    }  # fmt: skip


def _row(number: int, external_id: str, manager: str | None = None) -> Row:
    values = {"external_id": external_id}
    if manager is not None:
        values["manager_external_id"] = manager
    return Row.of(number, values)


def test_managers_are_worked_on_before_their_reports_whatever_the_file_order() -> None:
    rows = [_row(2, "E1", "E2"), _row(3, "E2", "E3"), _row(4, "E3"), _row(5, "E4", "E1")]
    assert [row.external_id for row in processing_order(rows)] == ["E3", "E2", "E1", "E4"]


def test_reporting_cycles_and_repeated_external_ids_in_the_file_are_row_errors() -> None:
    rows = [_row(2, "A", "B"), _row(3, "B", "A"), _row(4, "C"), _row(5, "C", "A")]
    ordered = {row.number: row.as_dict().get("errors", []) for row in processing_order(rows)}
    assert [error["type"] for error in ordered[2]] == ["reporting_cycle"]
    assert [error["type"] for error in ordered[3]] == ["reporting_cycle"]
    assert ordered[4] == []
    assert [error["type"] for error in ordered[5]] == ["duplicate"]


@given(st.lists(st.integers(0, 30), min_size=1, max_size=30))
def test_every_row_is_worked_once_and_after_its_manager(managers: list[int]) -> None:
    rows = [
        _row(number + 2, f"E{number}", f"E{manager}" if manager < len(managers) else None)
        for number, manager in enumerate(managers)
    ]
    ordered = processing_order(rows)
    assert sorted(row.number for row in ordered) == [row.number for row in rows]
    position = {row.external_id: index for index, row in enumerate(ordered)}
    for row in ordered:
        manager = row.manager_external_id
        if manager in position and not row.as_dict().get("errors"):
            assert position[manager] < position[row.external_id]


def test_a_cell_with_a_control_character_is_a_row_error_naming_its_column() -> None:
    upload = parse_csv(
        b"external_id,name,title,skills\nE1,Ada\x00,Engineer,python:4\nE2,Bob,Lead\x07,nlp:3\nE3,Cy,,\n"
    )
    errors = {row.number: row.as_dict().get("errors", []) for row in upload.rows}
    assert [error["field"] for error in errors[2]] == ["name"]
    assert [error["field"] for error in errors[3]] == ["title"]
    assert errors[4] == []
    assert "name" not in upload.rows[0].as_dict()["values"]  # never stored
    upload = parse_json(b'[{"external_id": "J1", "languages": ["en", "f\\u0000r"], "goals": ["ok"]}]')
    assert [error["field"] for error in upload.rows[0].as_dict()["errors"]] == ["languages"]
