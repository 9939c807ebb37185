"""Bulk imports of people as durable jobs: the parsed rows, progress and the result summary.

A job is worked on by the profiles worker in batches; each batch commits its rows' changes, their
events and the job's counters together, so a worker that dies resumes exactly where the last
committed batch ended.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, DateTime, Index, Integer, String, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from profiles.models import Base


class ImportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


UNFINISHED = (ImportStatus.PENDING.value, ImportStatus.RUNNING.value)
_STATUSES = ", ".join(f"'{status.value}'" for status in ImportStatus)


class ImportJob(Base):
    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        CheckConstraint("format IN ('csv', 'json')", name="format_known"),
        CheckConstraint(
            "processed BETWEEN 0 AND total"
            " AND created >= 0 AND updated >= 0 AND skipped >= 0 AND failed >= 0",
            name="counters_in_range",
        ),
        Index("ix_import_jobs_organization_created_at_id", "organization", "created_at", "id"),
        # The worker looks for work among unfinished jobs only.
        Index(
            "ix_import_jobs_unfinished",
            "created_at",
            postgresql_where=text("status IN ('pending', 'running')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    # Who started it, to run the rows' use cases on their behalf.
    created_by: Mapped[str] = mapped_column(String(200))
    created_by_roles: Mapped[list[str]] = mapped_column(JSONB)
    format: Mapped[str] = mapped_column(String(10))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    # Per-row errors, capped (the count of failed rows is exact).
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    ignored_columns: Mapped[list[str]] = mapped_column(JSONB)
    # The parsed rows in processing order (managers before the people reporting to them).
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, deferred=True)
    # While a worker holds the job; an expired lease lets another worker resume it.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer)
    failure: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
