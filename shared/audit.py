"""The audit trail: every change of a service's tables of record, who made it, and reads of
sensitive data, recorded in the service's own `audit_log` and shipped to the privacy service.

How a change is recorded, whatever code made it (ORM or Core, a route, a consumer, a job):

- a migration puts statement-level triggers on each table of record (`audit_changes`): after each
  INSERT, UPDATE or DELETE statement, one `audit_log` row per row changed, in the same transaction,
  naming the resource, the fields that changed with their old and new values, and — for every
  column not listed as recordable (free text, names, emails, secrets, and any column added later) —
  only that it changed. Personal values never enter the trail, so erasing a person never has to
  rewrite it;
- who acts comes from `shared.context.actor_var` (set by the auth dependency, the job runner and
  the consumers), with the request id and trace id: `AuditedSession` hands them to PostgreSQL
  (`set_config(..., is_local => true)`) before the first write of a transaction to an audited
  table, so the triggers can read them;
- a periodic job of every worker (`audit_shipping`) publishes new rows through the outbox as the
  service's `audit.recorded` event; the privacy service keeps the organization's trail from those
  events, answers admins' queries over it and enforces its retention.

`record_access` writes the entry of a read of sensitive data (self-identification summaries, a
private feedback note read by its author, an export downloaded).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    String,
    Table,
    Uuid,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from shared.clock import utcnow
from shared.context import actor_var, request_id_var, trace_id, traceparent_var

AUDIT_LOG = "audit_log"
# What a private column's entry says instead of its values.
CHANGED = "changed"
# Columns never worth an entry of their own (the organization is the entry's own field).
NOT_RECORDED = ("updated_at", "organization")


class AuditAction:
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    READ = "read"


def audit_log_table(metadata: MetaData) -> Table:
    """A service's local audit log (part of its messaging tables): written by the triggers and by
    `record_access`, emptied into events by `audit_shipping`."""
    table = Table(
        AUDIT_LOG,
        metadata,
        Column("seq", BigInteger, Identity(always=True), primary_key=True),
        Column("id", Uuid, nullable=False, server_default=text("gen_random_uuid()"), unique=True),
        # The transaction's time: every change of one transaction has the same.
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("organization", String(100)),
        Column("actor_type", String(20)),
        Column("actor_id", String(200)),
        Column("request_id", String(64)),
        Column("trace_id", String(32)),
        Column("resource_type", String(100), nullable=False),
        Column("resource_id", String(200), nullable=False),
        Column("action", String(20), nullable=False),
        Column("changes", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("shipped_at", DateTime(timezone=True)),
    )
    Index("ix_audit_log_unshipped", table.c.seq, postgresql_where=table.c.shipped_at.is_(None))
    Index("ix_audit_log_shipped_at", table.c.shipped_at)
    return table


# --- migrations ------------------------------------------------------------------------------------


def _function_ddl(schema: str) -> list[str]:
    """The trigger function of a schema: one audit row per row a statement changed (transition
    tables, so a statement changing thousands of rows costs one INSERT ... SELECT). `OFFSET 0`
    keeps each row's `to_jsonb` a subquery of its own, computed once per row: flattened into the
    lateral `changes`, it was computed again for every field, which made the trigger cost ~10x the
    statement it audits (1,000 assignments: ~1.4 s instead of ~0.3 s)."""
    insert_into = (
        f'INSERT INTO "{schema}".{AUDIT_LOG} (organization, actor_type, actor_id, request_id, '
        "trace_id, resource_type, resource_id, action, changes)"
    )
    context = """
        nullif(current_setting('mentorship.actor_type', true), ''),
        nullif(current_setting('mentorship.actor_id', true), ''),
        nullif(current_setting('mentorship.request_id', true), ''),
        nullif(current_setting('mentorship.trace_id', true), '')
    """
    keyed = f'to_jsonb(t) AS r, "{schema}".audit_key(to_jsonb(t), _keys) AS k'
    skipped = ", ".join(f"'{name}'" for name in NOT_RECORDED)

    def changes(old: str, new: str, keys_of: str, condition: str) -> str:
        """The changes of one row: per field, old and new values, or "changed" when the field's
        values are not recorded (`_recorded`: the columns whose values are)."""
        return f"""
            SELECT jsonb_object_agg(f, CASE WHEN f = ANY(_recorded)
                       THEN jsonb_build_object('old', o_value, 'new', n_value)
                       ELSE to_jsonb('{CHANGED}'::text) END) AS changes
            FROM (
                SELECT f, {old} AS o_value, {new} AS n_value FROM jsonb_object_keys({keys_of}) AS f
            ) AS c
            WHERE f NOT IN ({skipped}) AND {condition}
        """

    return [
        f"""
        CREATE OR REPLACE FUNCTION "{schema}".audit_key(r jsonb, keys text[]) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT string_agg(r ->> k, ':' ORDER BY n) FROM unnest(keys) WITH ORDINALITY AS u(k, n)
        $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION "{schema}".audit_changes() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            _resource text := TG_ARGV[0];
            _keys text[] := string_to_array(TG_ARGV[1], ',');
            _recorded text[] := string_to_array(TG_ARGV[2], ',');
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                {insert_into}
                SELECT n.r ->> 'organization', {context}, _resource, n.k, 'updated', d.changes
                FROM (SELECT {keyed} FROM new_rows t OFFSET 0) AS n
                JOIN (SELECT {keyed} FROM old_rows t OFFSET 0) AS o ON o.k = n.k
                CROSS JOIN LATERAL (
                    {changes("o.r -> f", "n.r -> f", "n.r", "n_value IS DISTINCT FROM o_value")}
                ) AS d
                WHERE d.changes IS NOT NULL;
            ELSIF TG_OP = 'INSERT' THEN
                {insert_into}
                SELECT n.r ->> 'organization', {context}, _resource, "{schema}".audit_key(n.r, _keys),
                       'created', coalesce(d.changes, '{{}}'::jsonb)
                FROM (SELECT to_jsonb(t) AS r FROM new_rows t OFFSET 0) AS n
                CROSS JOIN LATERAL (
                    {changes("NULL::jsonb", "n.r -> f", "n.r", "jsonb_typeof(n_value) <> 'null'")}
                ) AS d;
            ELSE
                {insert_into}
                SELECT o.r ->> 'organization', {context}, _resource, "{schema}".audit_key(o.r, _keys),
                       'deleted', coalesce(d.changes, '{{}}'::jsonb)
                FROM (SELECT to_jsonb(t) AS r FROM old_rows t OFFSET 0) AS o
                CROSS JOIN LATERAL (
                    {changes("o.r -> f", "NULL::jsonb", "o.r", "jsonb_typeof(o_value) <> 'null'")}
                ) AS d;
            END IF;
            RETURN NULL;
        END
        $$
        """,
    ]


def create_audit_log(schema: str) -> None:
    """Migration step: the service's `audit_log` and its trigger function (`audit_changes` then
    puts triggers on the tables of record)."""
    from alembic import op

    from shared.db import service_metadata

    audit_log_table(service_metadata(schema)).create(op.get_bind())
    for statement in _function_ddl(schema):
        op.execute(statement)


# Short text columns whose values are states, kinds or who-did-it ids, never personal text.
_STATE_TEXT = frozenset(
    {
        "status",
        "state",
        "role",
        "kind",
        "format",
        "occasion",
        "source",
        "objective",
        "action",
        "matching_mode",
        "session_cadence",
        "channel",
        "purpose",
        "attribute",
        "outcome",
        "trigger",
        "event_type",
        "type",
        "audience",
        "seniority",
        "time_zone",
        "language",
        "question_id",
        "guidance_kind",
        "proposal",
        "template",
        "library_key",
        "month",
    }
)
_STATE_SUFFIXES = ("_status", "_role", "_reason", "_by", "_kind", "_type")
# Column types whose values say nothing about anyone by themselves: ids, numbers, flags, times.
_VALUE_TYPES = frozenset(
    {
        "uuid",
        "boolean",
        "integer",
        "bigint",
        "smallint",
        "numeric",
        "real",
        "double precision",
        "date",
        "timestamp with time zone",
        "timestamp without time zone",
        "time without time zone",
        "interval",
    }
)


def _values_recorded(name: str, data_type: str) -> bool:
    if data_type in _VALUE_TYPES:
        return True
    if data_type == "character varying":
        return name in _STATE_TEXT or name.endswith(_STATE_SUFFIXES)
    return False


def drop_audit_log(schema: str) -> None:
    """Migration step (downgrades): remove the audit log and its trigger functions."""
    from alembic import op

    op.drop_table(AUDIT_LOG, schema=schema)
    op.execute(f'DROP FUNCTION IF EXISTS "{schema}".audit_changes()')
    op.execute(f'DROP FUNCTION IF EXISTS "{schema}".audit_key(jsonb, text[])')


def audit_changes(
    schema: str,
    table: str,
    *,
    resource: str,
    key: Sequence[str] = ("id",),
    private: Sequence[str] = (),
) -> None:
    """Migration step: record every change of `schema.table` in the audit log as changes of
    `resource` (identified by the `key` columns, joined with ':').

    The values of a column are recorded when it holds ids, numbers, flags or times, or short text
    that names a state (`_values_recorded`), unless it is listed in `private`: free text, names,
    emails, URLs, documents (JSON), and every column added to the table after this step, are
    recorded as "changed" only. Run it again (after dropping with `stop_auditing`) to record a new
    column's values."""
    from alembic import op

    bind = op.get_bind()
    rows = bind.execute(
        text(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = :schema AND table_name = :table ORDER BY ordinal_position"
        ),
        {"schema": schema, "table": table},
    ).all()
    if not rows:
        raise ValueError(f"no table {schema}.{table} to audit")
    names = {name for name, _type in rows}
    unknown = (set(private) | set(key)) - names
    if unknown:
        raise ValueError(f"{schema}.{table} has no column(s) {sorted(unknown)}")
    recorded = [
        name
        for name, data_type in rows
        if name not in private and (name in key or _values_recorded(name, data_type))
    ]
    arguments = f"'{resource}', '{','.join(key)}', '{','.join(recorded)}'"
    for operation, referencing in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(
            f'CREATE TRIGGER audit_{operation.lower()} AFTER {operation} ON "{schema}"."{table}" '
            f"REFERENCING {referencing} FOR EACH STATEMENT "
            f'EXECUTE FUNCTION "{schema}".audit_changes({arguments})'
        )


def stop_auditing(schema: str, table: str) -> None:
    """Migration step (downgrades): remove the audit triggers of `schema.table`."""
    from alembic import op

    for operation in ("insert", "update", "delete"):
        op.execute(f'DROP TRIGGER IF EXISTS audit_{operation} ON "{schema}"."{table}"')


# --- who acts, handed to the triggers -------------------------------------------------------------

_STAMP = text(
    "SELECT set_config('mentorship.actor_type', :actor_type, true), "
    "set_config('mentorship.actor_id', :actor_id, true), "
    "set_config('mentorship.request_id', :request_id, true), "
    "set_config('mentorship.trace_id', :trace_id, true)"
)
_AUDITED = text(
    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND t.tgname = 'audit_update'"
)
# The audited tables of each schema, read from the database once per process (the migrations are
# the one place that says which tables are audited).
_audited: dict[str, frozenset[str]] = {}


class AuditedSession(Session):
    """The sessions of every service (shared.db.session_factory): before a transaction's first write
    to an audited table, and again whenever the actor or request changes within it (a consumer's
    batch), they tell PostgreSQL who acts. Writes to other tables cost nothing more."""


def _context() -> dict[str, str]:
    actor = actor_var.get()
    return {
        "actor_type": actor.type.value if actor is not None else "",
        "actor_id": actor.id if actor is not None else "",
        "request_id": request_id_var.get() or "",
        "trace_id": trace_id(traceparent_var.get()) or "",
    }


def _is_audited(session: Session, table: Any) -> bool:
    schema = getattr(table, "schema", None)
    name = getattr(table, "name", None)
    if not schema or not name or name == AUDIT_LOG:
        return False
    audited = _audited.get(schema)
    if audited is None:
        audited = frozenset(session.execute(_AUDITED, {"schema": schema}).scalars())
        _audited[schema] = audited
    return name in audited


def _stamp(session: Session) -> None:
    context = _context()
    if session.info.get("audit_context") == context:
        return
    session.execute(_STAMP, context)
    session.info["audit_context"] = context


@event.listens_for(AuditedSession, "after_begin")
def _new_transaction(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info.pop("audit_context", None)


@event.listens_for(AuditedSession, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if _is_audited(state.session, getattr(state.statement, "table", None)):
        _stamp(state.session)


@event.listens_for(AuditedSession, "before_flush")
def _before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    objects = [*session.new, *session.dirty, *session.deleted]
    tables = {getattr(type(obj), "__table__", None) for obj in objects}
    if any(_is_audited(session, table) for table in tables if table is not None):
        _stamp(session)


# --- reads of sensitive data ----------------------------------------------------------------------


async def record_access(
    session: AsyncSession,
    log: Table,
    *,
    organization: str,
    resource_type: str,
    resource_id: str,
    what: str,
) -> None:
    """Record, in the caller's transaction, that the current actor read `what` of a resource
    (e.g. `what="self_identification_summary"`): the entry names what was read, never its content."""
    context = _context()
    await session.execute(
        insert(log).values(
            organization=organization,
            actor_type=context["actor_type"] or None,
            actor_id=context["actor_id"] or None,
            request_id=context["request_id"] or None,
            trace_id=context["trace_id"] or None,
            resource_type=resource_type,
            resource_id=resource_id,
            action=AuditAction.READ,
            changes={"read": what},
        )
    )


# --- shipping to the privacy service ----------------------------------------------------------------

# Entries per shipping transaction, and the most one event carries (NATS refuses large messages).
SHIP_BATCH = 500
EVENT_BYTES = 256 * 1024


def entry_document(row: Any) -> dict[str, Any]:
    """An audit log row as an `audit.recorded` event carries it."""
    return {
        "id": row.id,
        "at": row.at,
        "actor_type": row.actor_type,
        "actor_id": row.actor_id,
        "request_id": row.request_id,
        "trace_id": row.trace_id,
        "resource_type": row.resource_type,
        "resource_id": row.resource_id,
        "action": row.action,
        "changes": row.changes,
    }


def batches_by_size(entries: list[dict[str, Any]], *, limit: int = EVENT_BYTES) -> list[list[dict[str, Any]]]:
    """`entries` split into runs whose JSON stays under `limit` bytes (an entry larger than the
    limit travels alone)."""
    runs: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        length = len(orjson.dumps(entry, default=str))
        if current and size + length > limit:
            runs.append(current)
            current, size = [], 0
        current.append(entry)
        size += length
    if current:
        runs.append(current)
    return runs


async def ship(session: AsyncSession, *, log: Table, outbox: Table, service: str) -> int:
    """Move up to `SHIP_BATCH` unshipped entries into `audit.recorded` events of `service` (one per
    organization and size-bounded run), in the caller's transaction; returns the entries shipped."""
    from shared.events import CATALOG, EventType
    from shared.outbox import Outbox

    model = CATALOG.get(EventType(service, "audit", "recorded").name)
    if model is None:
        return 0
    rows = (
        await session.execute(
            select(log)
            .where(log.c.shipped_at.is_(None))
            .order_by(log.c.seq)
            .limit(SHIP_BATCH)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not rows:
        return 0
    by_organization: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_organization.setdefault(row.organization or "", []).append(entry_document(row))
    events = [
        (model(service=service, entries=run), organization, None)
        for organization, entries in by_organization.items()
        if organization
        for run in batches_by_size(entries)
    ]
    await Outbox(outbox).add_many(session, events)
    await session.execute(
        update(log).where(log.c.seq.in_([row.seq for row in rows])).values(shipped_at=func.now())
    )
    return len(rows)


async def prune_shipped(
    session: AsyncSession, *, log: Table, older_than_hours: float, batch: int = 1000
) -> int:
    """Delete one batch of entries shipped longer ago than `older_than_hours` (the privacy service
    keeps the trail; the local log is only its outbox)."""
    cutoff = utcnow() - timedelta(hours=older_than_hours)
    oldest = select(log.c.seq).where(log.c.shipped_at < cutoff).limit(batch)
    result = await session.execute(delete(log).where(log.c.seq.in_(oldest)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def shipping(messaging: Any) -> Any:
    """The periodic job of every worker (added by shared.worker.run_worker) that ships the audit log
    to the privacy service and prunes what was shipped long ago. `messaging`: the service's
    MessagingTables."""
    from shared.jobs import Again, JobContext, Periodic

    async def run(runtime: Any, job: JobContext) -> Again | None:
        settings = runtime.settings
        async with runtime.sessions() as session, session.begin():
            shipped = await ship(
                session, log=messaging.audit, outbox=messaging.outbox, service=settings.service_name
            )
            if shipped < SHIP_BATCH:
                await prune_shipped(
                    session, log=messaging.audit, older_than_hours=settings.audit_local_retention_hours
                )
        return Again() if shipped >= SHIP_BATCH else None

    return Periodic("audit-shipping", run, every=lambda settings: settings.audit_ship_seconds)
