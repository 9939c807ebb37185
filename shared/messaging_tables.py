"""Tables every service keeps in its own schema: outbox, inbox, idempotency keys, jobs, and its
accountability tables (the local audit log, shared/audit.py, and the organizations' retention
policies, shared/retention.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    idempotency: Table
    jobs: Table
    # Written by the audit triggers and `record_access`, shipped to the privacy service.
    audit: Table
    # The organizations' retention policies as the privacy service last published them.
    retention: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    """Define the plumbing tables on a service's metadata (its schema)."""
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", BigInteger, Identity(always=True), primary_key=True),
        Column("id", Uuid, nullable=False, unique=True),
        # Subject without the deployment's namespace, e.g. `profiles.person.updated`.
        Column("subject", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
    )
    Index(
        "ix_outbox_unpublished",
        outbox.c.seq,
        postgresql_where=outbox.c.published_at.is_(None),
    )
    Index("ix_outbox_published_at", outbox.c.published_at)
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    idempotency = Table(
        "idempotency_keys",
        metadata,
        Column("organization", String(100), nullable=False),
        Column("principal", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("body", JSONB, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("organization", "principal", "key", name="pk_idempotency_keys"),
    )
    from shared.audit import audit_log_table
    from shared.retention import retention_table

    return MessagingTables(
        outbox=outbox,
        inbox=inbox,
        idempotency=idempotency,
        jobs=job_table(metadata),
        audit=audit_log_table(metadata),
        retention=retention_table(metadata),
    )


def job_table(metadata: MetaData) -> Table:
    """Durable jobs (shared.jobs): periodic work and retried tasks, with leases and backoff."""
    jobs = Table(
        "jobs",
        metadata,
        Column("id", Uuid, primary_key=True),
        # The job kind, e.g. `reminders` (periodic) or `import-people` (task).
        Column("name", String(100), nullable=False),
        # Deduplicates tasks of one kind ('' for a periodic job, which exists once).
        Column("key", String(200), nullable=False),
        Column("payload", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("state", String(20), nullable=False),
        Column("due_at", DateTime(timezone=True), nullable=False),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("max_attempts", Integer),
        Column("lease_until", DateTime(timezone=True)),
        Column("lease_token", Uuid),
        Column("last_error", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("finished_at", DateTime(timezone=True)),
        CheckConstraint("state IN ('pending', 'running', 'done', 'failed')", name="state_known"),
        UniqueConstraint("name", "key", name="uq_jobs_name_key"),
    )
    # The runner looks among unfinished jobs only, by due time.
    Index("ix_jobs_due", jobs.c.due_at, postgresql_where=jobs.c.state.in_(["pending", "running"]))
    return jobs


def jobs_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel that wakes a service's job runner when a task is enqueued."""
    return f"{schema}_jobs"


def outbox_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel a service's outbox trigger signals on."""
    return f"{schema}_outbox"


def outbox_notify_ddl(schema: str) -> list[str]:
    """DDL for a statement-level trigger that wakes the relay as soon as events commit."""
    channel = outbox_channel(schema)
    return [
        f"""
        CREATE OR REPLACE FUNCTION "{schema}".notify_outbox() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{channel}', '');
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        f"""
        CREATE TRIGGER outbox_notify AFTER INSERT ON "{schema}".outbox
        FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".notify_outbox()
        """,
    ]


def create_messaging_tables(schema: str) -> None:
    """Migration step (inside an Alembic revision): create the plumbing tables and the notify trigger."""
    from alembic import op

    from shared.db import service_metadata

    tables = messaging_tables(service_metadata(schema))
    bind = op.get_bind()
    # The job table came later and has its own step (`create_job_table`): revisions that already ran
    # must keep creating exactly what they created then.
    for table in (tables.outbox, tables.inbox, tables.idempotency):
        table.create(bind)
    for statement in outbox_notify_ddl(schema):
        op.execute(statement)


def create_job_table(schema: str) -> None:
    """Migration step: a service's `jobs` table (new services call it after `create_messaging_tables`)."""
    from alembic import op

    from shared.db import service_metadata

    job_table(service_metadata(schema)).create(op.get_bind())


def create_accountability_tables(schema: str) -> None:
    """Migration step: the service's local audit log with its trigger function (shared/audit.py:
    `audit_changes` then puts triggers on the tables of record) and its copy of the organizations'
    retention policies (shared/retention.py)."""
    from alembic import op

    from shared.audit import create_audit_log
    from shared.db import service_metadata
    from shared.retention import retention_table

    create_audit_log(schema)
    retention_table(service_metadata(schema)).create(op.get_bind())


def drop_accountability_tables(schema: str) -> None:
    """Migration step (downgrades): remove what `create_accountability_tables` created (the audit
    triggers of the tables of record first: `shared.audit.stop_auditing`)."""
    from alembic import op

    from shared.audit import drop_audit_log
    from shared.retention import RETENTION_POLICIES

    op.drop_table(RETENTION_POLICIES, schema=schema)
    drop_audit_log(schema)
