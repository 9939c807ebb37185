"""Writing a synthetic organization's history straight into the feedback schema (COPY), for the
outcomes benchmark and API tests: the rows the event handlers would have written."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time

import asyncpg
import orjson

from feedback.models import SCHEMA
from feedback.outcomes.careers import ProfileVersion, day_date, skill_rose


def _moment(day: int) -> datetime:
    return datetime.combine(day_date(day), time(12), tzinfo=UTC)


async def copy_profile_versions(
    connection: asyncpg.Connection, *, organization: str, versions: Iterable[ProfileVersion]
) -> int:
    """COPY profile versions into `person_versions`; how many rows."""
    ordered = sorted(versions, key=lambda row: (row.person_id.int, row.version))
    records = [
        (
            row.person_id,
            row.version,
            organization,
            _moment(row.day),
            _moment(row.joined_day),
            row.active,
            row.department,
            row.seniority,
            row.title,
            row.region,
            orjson.dumps(dict(row.skills)).decode(),
            number > 0
            and ordered[number - 1].person_id == row.person_id
            and skill_rose(ordered[number - 1].skills, row.skills),
        )
        for number, row in enumerate(ordered)
    ]
    await connection.copy_records_to_table(
        "person_versions",
        schema_name=SCHEMA,
        records=records,
        columns=[
            "person_id", "version", "organization", "changed_at", "joined_at", "active", "department",
            "seniority", "title", "time_zone_region", "skills", "skill_rose",
        ],
    )  # fmt: skip
    return len(records)
