"""Request and response bodies of the outcome API (the OpenAPI description; responses are the
stored documents, served as they are)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from feedback.outcomes.group_settings import GroupAttribute


class FigurePeriod(BaseModel):
    start: date | None
    end: date | None


class FigureGroups(BaseModel):
    participants: int | None = Field(description="People (or goals, assignments, answers) behind `value`")
    comparison: int | None = Field(description="Matched comparison records behind `comparison_value`")
    comparison_effective: float | None = Field(description="The comparison group's effective size")
    unmatched_participants: int | None = Field(
        description="Participants without a comparable non-participant"
    )
    strata: int | None = Field(description="Strata with people on both sides")


class FigureHow(BaseModel):
    definition: str
    period: FigurePeriod
    groups: FigureGroups
    method: str | None
    source: str = Field(description="The service whose events the measure is built from")


class Figure(BaseModel):
    measure: str
    label: str
    headline: bool
    status: str = Field(description="ok, not_enough_data (no number below the minimum size) or not_available")
    note: str | None
    unit: str = Field(description="share (0..1), days, score (1..5) or nps (-100..100)")
    value: float | None = Field(description="The participants' figure")
    comparison_value: float | None = Field(description="The matched comparison group's (reweighted)")
    difference: float | None
    ci_low: float | None = Field(
        description="Interval of the difference (or of the value without comparison)"
    )
    ci_high: float | None
    confidence: float | None
    how: FigureHow


class ProgramSummary(BaseModel):
    model_config = ConfigDict(extra="allow")

    program_id: uuid.UUID
    program_name: str
    objective: str | None
    status: str
    needs_attention: bool
    headlines: list[Figure]
    attention: list[dict[str, Any]]


class Dashboard(BaseModel):
    organization: str
    computed_at: datetime | None = Field(description="When the report was computed (null: not yet)")
    as_of: date | None
    rules: dict[str, Any] = Field(
        description="Minimum sizes, confidence, group attributes, attention thresholds"
    )
    totals: dict[str, Any]
    definitions: dict[str, str] = Field(description="What each total counts")
    outcomes: list[Figure] = Field(description="Every measure for the whole organization")
    programs: list[ProgramSummary]
    attention: list[dict[str, Any]] = Field(description="Programs needing attention, one row per reason")
    groups: list[dict[str, Any]] = Field(description="Shares per group (small groups withheld)")
    cohorts: list[dict[str, Any]] = Field(description="Repeated programs, run over run")
    trend: list[dict[str, Any]] = Field(description="The organization per month")
    exports: dict[str, Any] = Field(
        description="Where each table's CSV and JSON, the charts and snapshots are"
    )


class ProgramOutcomes(BaseModel):
    program_id: uuid.UUID
    program_name: str
    objective: str | None
    computed_at: datetime | None
    as_of: date | None
    program: dict[str, Any] | None = Field(description="The program's row of the programs table")
    headlines: list[Figure]
    outcomes: list[Figure]
    groups: list[dict[str, Any]]
    cohorts: list[dict[str, Any]] = Field(description="The runs of the program's series")
    trend: list[dict[str, Any]]
    attention: list[dict[str, Any]]


class ColumnDoc(BaseModel):
    name: str
    type: str = Field(description="string, integer, number, date, boolean or uuid")
    description: str


class TableDoc(BaseModel):
    name: str
    description: str
    columns: list[ColumnDoc]


class TableDocs(BaseModel):
    tables: list[TableDoc]


class TableRows(BaseModel):
    table: str
    computed_at: datetime | None
    rows: list[dict[str, Any]]


class SnapshotTable(BaseModel):
    table: str
    rows: int
    csv: str = Field(description="Path of the CSV")


class SnapshotDay(BaseModel):
    date: date
    tables: list[SnapshotTable]


class SnapshotIndex(BaseModel):
    keep_days: int
    snapshots: list[SnapshotDay]
    tables: list[TableDoc] = Field(description="The columns of every table (a stable contract)")


class RecomputeRequested(BaseModel):
    organization: str
    requested: bool = Field(description="False when a recompute was already asked for within the minute")
    computed_at: datetime | None = Field(description="When the current report was computed")


class OutcomeSettings(BaseModel):
    group_attributes: list[GroupAttribute]
    min_group_size: int
    version: int = Field(description="0 while the organization uses the defaults")


class OutcomeSettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_attributes: list[GroupAttribute] = Field(max_length=3)
    min_group_size: int = Field(ge=2, le=1000, description="Never below the service's minimum")
