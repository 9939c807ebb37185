"""What a service holds on a person, declared once, and what follows from it: the service's part
of the person's export, and its erasure.

A service lists its tables that hold rows about people in a `PersonalData` (its
`personal_data.py`): which columns name the person, who owns the private text of a row, what is
never exported (secrets), and what erasure does to the rows (delete them, anonymize some columns,
or keep them: ids and numbers keep aggregates right, and the person is then a "former member"
wherever a name would be shown). From that:

- **export**: on `privacy.export.requested` a durable task reads every table in one consistent
  snapshot, puts the service's part (one JSON document: a file per table, with what it holds) in
  the export store (a JetStream object store bucket with a time to live), and publishes the
  service's `personal_data.exported` (where, how big, which files: never the content). Only the
  person's own rows are read, and a row owned by someone else (their message, their note) is never
  exported with its private text;
- **erasure**: on `profiles.person.erased` (profiles anonymized the person first, so every older
  event about them has already reached this consumer through the same stream), one transaction
  erases the service's rows and publishes its `personal_data.erased`. Running it again erases
  nothing more and confirms again: the privacy service retries until every service confirmed.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from nats.js import JetStreamContext
from nats.js.api import ObjectStoreConfig
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.object_store import ObjectStore
from sqlalchemy import ColumnElement, String, Table, Text, cast, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import Handlers
from shared.contracts.privacy import (
    ErasureRequested,
    ExportedFile,
    ExportRequested,
    PersonalDataErased,
    PersonalDataExported,
    RetentionPolicyUpdated,
)
from shared.contracts.profiles import PersonErased
from shared.events import CATALOG, CloudEvent, EventType
from shared.jobs import Again, JobContext, JobQueue, Periodic, Task
from shared.messaging_tables import MessagingTables
from shared.outbox import Outbox
from shared.retention import Retained, enforce, store_policy
from shared.runtime import Runtime

# How an erased person is named wherever a name is kept (read models of people).
FORMER_MEMBER = "Former member"
EXPORT_TASK = "personal-data-export"
RETENTION_JOB = "retention-policy"
RETENTION_BATCH = 1000
RETENTION_EVERY_SECONDS = 3600.0
# The export store keeps a part at most this long (the privacy service deletes it once assembled).
EXPORT_STORE_TTL_SECONDS = 24 * 3600.0

Erase = Literal["delete", "anonymize", "keep"]
Document = dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Records:
    """A table's rows about people."""

    table: Table
    # What a row holds, for the archive's README.
    about: str
    # The columns naming a person: a row is about the person when any of them is their id.
    person: tuple[str, ...]
    # The column naming whose row it is (author, sender), when the row is about two people but its
    # private text belongs to one: only their own rows are erased, and the private columns are
    # exported only to them.
    owner: str | None = None
    # Free text of the owner (notes, messages, comments): exported only to the owner.
    private: tuple[str, ...] = ()
    # Never exported to anyone (hashes of tokens, sealed secrets).
    secret: tuple[str, ...] = ()
    erase: Erase = "keep"
    # For `anonymize`: the columns to overwrite and their new values (constants or SQL expressions).
    replace: Mapping[str, Any] = field(default_factory=dict)
    organization: str = "organization"
    file: str = ""

    @property
    def file_name(self) -> str:
        return f"{self.file or self.table.name}.json"

    def about_person(self, organization: str, person_id: uuid.UUID) -> ColumnElement[bool]:
        table = self.table
        return (table.c[self.organization] == organization) & or_(
            *(table.c[column] == person_id for column in self.person)
        )

    def owned_by(self, organization: str, person_id: uuid.UUID) -> ColumnElement[bool]:
        if self.owner is None:
            return self.about_person(organization, person_id)
        return (self.table.c[self.organization] == organization) & (self.table.c[self.owner] == person_id)


@dataclass(frozen=True)
class ExtraFile:
    """A file a service adds to its part beyond its tables (e.g. decrypted values of its own)."""

    about: str
    content: Any
    records: int


@dataclass(frozen=True)
class Mentions:
    """Free-text columns of a table (other people's text included) where the erased person's full
    name or email may be quoted: each quote becomes "Former member". Only whole words match, so
    the name is never cut out of another word."""

    table: Table
    columns: tuple[str, ...]
    organization: str = "organization"


@dataclass(frozen=True)
class NamesCopy:
    """Where the service keeps the person's name (and email) — its copy of profiles' people, which
    profiles' events kept current up to the erasure — read before anything is erased."""

    table: Table
    name: str = "name"
    email: str | None = None


# Extra files of a part: (session in the export's snapshot, runtime, organization, person id).
CollectMore = Callable[[AsyncSession, Runtime, str, uuid.UUID], Awaitable[dict[str, ExtraFile]]]
# Extra erasure steps, run before the records': (session in the erasure's transaction,
# organization, person id) -> counts.
EraseMore = Callable[[AsyncSession, str, uuid.UUID], Awaitable[dict[str, int]]]


@dataclass(frozen=True, kw_only=True)
class PersonalData:
    """Everything a service holds on a person, and how it is exported and erased."""

    service: str
    # One line for the archive's README: what the service is and holds.
    about: str
    messaging: MessagingTables
    records: Sequence[Records] = ()
    collect_more: CollectMore | None = None
    erase_more: EraseMore | None = None
    # Where the name is kept, and where others' text may quote it.
    names: NamesCopy | None = None
    mentions: Sequence[Mentions] = ()
    # Records kept only for a period of the organization's retention policy (shared/retention.py).
    retained: Sequence[Retained] = ()

    # --- export ---------------------------------------------------------------------------------

    async def collect(
        self, session: AsyncSession, runtime: Runtime, *, organization: str, person_id: uuid.UUID
    ) -> Document:
        """The service's part of the person's export: `{"service", "about", "files": [...]}`."""
        files: list[Document] = []
        for records in self.records:
            table = records.table
            rows = (
                await session.execute(select(table).where(records.about_person(organization, person_id)))
            ).mappings()
            content = [_exported_row(records, row, person_id) for row in rows]
            files.append(
                {
                    "name": records.file_name,
                    "about": records.about,
                    "records": len(content),
                    "content": content,
                }
            )
        if self.collect_more is not None:
            for name, extra in (await self.collect_more(session, runtime, organization, person_id)).items():
                files.append(
                    {"name": name, "about": extra.about, "records": extra.records, "content": extra.content}
                )
        return {"service": self.service, "about": self.about, "person_id": person_id, "files": files}

    async def export(self, runtime: Runtime, job: JobContext) -> None:
        """The export task: collect in one snapshot, store the part, say where it is."""
        export_id = uuid.UUID(job.payload["export_id"])
        person_id = uuid.UUID(job.payload["person_id"])
        organization = str(job.payload["organization"])
        async with runtime.sessions() as session, session.begin():
            # One consistent snapshot of every table, however long the reads take.
            await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            part = await self.collect(session, runtime, organization=organization, person_id=person_id)
        data = orjson.dumps(part, default=str, option=orjson.OPT_NON_STR_KEYS)
        store = await export_store(
            runtime.js, runtime.settings.event_namespace, runtime.settings.stream_replicas
        )
        name = part_name(export_id, self.service)
        await store.put(name, data)
        event = self._event("exported")(
            export_id=export_id,
            person_id=person_id,
            service=self.service,
            object_name=name,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            files=[
                ExportedFile(name=f["name"], about=f["about"], records=f["records"]) for f in part["files"]
            ],
        )
        async with runtime.sessions() as session, session.begin():
            await Outbox(self.messaging.outbox).add(
                session, event, organization=organization, subject=str(person_id)
            )

    def tasks(self) -> list[Task]:
        """The durable task the worker runs for each export (add to the service's TASKS)."""

        async def run(runtime: Runtime, job: JobContext) -> None:
            await self.export(runtime, job)

        return [Task(EXPORT_TASK, run, max_attempts=20)]

    # --- retention --------------------------------------------------------------------------------

    async def enforce_retention(self, session: AsyncSession, *, batch: int = RETENTION_BATCH) -> int:
        """Delete one batch of each kind of `retained` records past their organization's period."""
        deleted = 0
        for retained in self.retained:
            deleted += await enforce(session, self.messaging.retention, retained, batch=batch)
        return deleted

    def periodic(self) -> list[Periodic]:
        """The periodic job enforcing the retention policy (add to the service's PERIODIC)."""
        if not self.retained:
            return []

        async def run(runtime: Runtime, job: JobContext) -> Again | None:
            async with runtime.sessions() as session, session.begin():
                deleted = await self.enforce_retention(session)
            return Again() if deleted >= RETENTION_BATCH else None

        def every(settings: Any) -> float:
            return float(getattr(settings, "retention_policy_seconds", RETENTION_EVERY_SECONDS))

        return [Periodic(RETENTION_JOB, run, every=every)]

    # --- erasure ----------------------------------------------------------------------------------

    async def erase(
        self, session: AsyncSession, *, organization: str, person_id: uuid.UUID
    ) -> dict[str, int]:
        """Delete or anonymize every row the service holds on the person, in the caller's
        transaction; the rows touched per kind of record (0 everywhere the second time)."""
        # The service's own steps first, while the records still hold what they may need (the
        # name to take out of what others were told).
        counts: dict[str, int] = {}
        if self.mentions:
            counts["mentions"] = await self._erase_mentions(
                session, organization=organization, person_id=person_id
            )
        if self.erase_more is not None:
            counts.update(await self.erase_more(session, organization, person_id))
        for records in self.records:
            if records.erase == "keep":
                continue
            table = records.table
            where = records.owned_by(organization, person_id)
            if records.erase == "delete":
                result = await session.execute(delete(table).where(where))
            else:
                changed = or_(
                    *(table.c[name].is_distinct_from(value) for name, value in records.replace.items())
                )
                result = await session.execute(update(table).where(where & changed).values(**records.replace))
            counts[records.file or table.name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        counts.update(
            await erase_messaging_traces(
                session, self.messaging, organization=organization, person_id=person_id
            )
        )
        return counts

    async def _erase_mentions(self, session: AsyncSession, *, organization: str, person_id: uuid.UUID) -> int:
        if self.names is None:
            return 0
        copy = self.names
        columns = [copy.table.c[copy.name]] + ([copy.table.c[copy.email]] if copy.email else [])
        known = (
            await session.execute(
                select(*columns).where(
                    copy.table.c.id == person_id, copy.table.c.organization == organization
                )
            )
        ).first()
        needles = [
            value for value in (known or ()) if isinstance(value, str) and value and value != FORMER_MEMBER
        ]
        changed = 0
        for needle in needles:
            # Whole words only; PostgreSQL's regular expressions take Python's escapes literally.
            pattern = (
                rf"\m{re.escape(needle)}\M"
                if needle[0].isalnum() and needle[-1].isalnum()
                else re.escape(needle)
            )
            for mentions in self.mentions:
                table = mentions.table
                for name in mentions.columns:
                    column = table.c[name]
                    as_text = cast(column, Text) if not isinstance(column.type, String | Text) else column
                    replaced = func.regexp_replace(as_text, pattern, FORMER_MEMBER, "g")
                    result = await session.execute(
                        update(table)
                        .where(table.c[mentions.organization] == organization, as_text.op("~")(pattern))
                        .values({name: replaced if as_text is column else cast(replaced, column.type)})
                    )
                    changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return changed

    async def erase_and_confirm(
        self,
        session: AsyncSession,
        *,
        organization: str,
        person_id: uuid.UUID,
        erasure_id: uuid.UUID,
        erased_before: Mapping[str, int] | None = None,
    ) -> dict[str, int]:
        """`erase`, then the service's `personal_data.erased` in the same transaction (with
        `erased_before`: the counts of steps the service took itself)."""
        counts = {
            **(erased_before or {}),
            **await self.erase(session, organization=organization, person_id=person_id),
        }
        event = self._event("erased")(
            erasure_id=erasure_id, person_id=person_id, service=self.service, erased=counts
        )
        await Outbox(self.messaging.outbox).add(
            session, event, organization=organization, subject=str(person_id)
        )
        return counts

    # --- wiring -----------------------------------------------------------------------------------

    def privacy_handlers(self) -> Handlers:
        """The handlers of the privacy service's stream (`SOURCES["privacy"]`): exports asked for and
        retention policies. Profiles adds its own handler of `privacy.erasure.requested`."""
        handlers = Handlers()
        jobs = JobQueue(self.messaging.jobs)

        @handlers.on(ExportRequested)
        async def export_requested(
            session: AsyncSession, envelope: CloudEvent, event: ExportRequested
        ) -> None:
            await jobs.enqueue(
                session,
                EXPORT_TASK,
                payload={
                    "export_id": str(event.export_id),
                    "person_id": str(event.person_id),
                    "organization": envelope.organization,
                },
                key=f"{event.export_id}:{event.attempt}",
            )

        @handlers.on(RetentionPolicyUpdated)
        async def retention_policy_updated(
            session: AsyncSession, envelope: CloudEvent, event: RetentionPolicyUpdated
        ) -> None:
            await store_policy(
                session,
                self.messaging.retention,
                organization=event.organization,
                version=event.version,
                policy=event.policy,
            )

        return handlers

    def sources(self, sources: Any, *, erase: bool = True) -> Any:
        """A service's `handlers.SOURCES` (a mapping of handlers per stream, or a factory of one
        from the runtime) with what every service does for the privacy service: exports and
        retention policies from its stream, and the erasure — on `profiles.person.erased` when the
        service reads profiles (every older event about the person came first on that stream),
        else on `privacy.erasure.requested` itself. `erase=False` for profiles, which erases on its
        own. A handler the service already has for one of those events runs after this one."""
        if callable(sources):
            factory = sources

            def wired(runtime: Runtime) -> dict[str, Handlers]:
                return self._wire(factory(runtime), erase=erase)

            return wired
        return self._wire(sources, erase=erase)

    def _wire(self, sources: Mapping[str, Handlers], *, erase: bool) -> dict[str, Handlers]:
        wired = dict(sources)
        wired["privacy"] = merge_handlers(wired.get("privacy"), self.privacy_handlers())
        if erase:
            trigger = "profiles" if "profiles" in wired else "privacy"
            wired[trigger] = merge_handlers(
                wired[trigger],
                self.erasure_handlers(PersonErased if trigger == "profiles" else ErasureRequested),
            )
        return wired

    def erasure_handlers(self, on: type[PersonErased] | type[ErasureRequested]) -> Handlers:
        """The erasure, on `profiles.person.erased` or (a service not reading profiles) on the
        privacy service's request."""
        handlers = Handlers()

        @handlers.on(on)
        async def erase(session: AsyncSession, envelope: CloudEvent, event: Any) -> None:
            await self.erase_and_confirm(
                session,
                organization=envelope.organization,
                person_id=event.person_id,
                erasure_id=event.erasure_id,
            )

        return handlers

    def erase_on(self, handlers: Handlers) -> Handlers:
        """Register the erasure on `profiles.person.erased` in the service's profiles handlers."""

        @handlers.on(PersonErased)
        async def person_erased(session: AsyncSession, envelope: CloudEvent, event: PersonErased) -> None:
            await self.erase_and_confirm(
                session,
                organization=envelope.organization,
                person_id=event.person_id,
                erasure_id=event.erasure_id,
            )

        return handlers

    def _event(self, action: Literal["exported", "erased"]) -> Any:
        model = CATALOG.get(EventType(self.service, "personal_data", action).name)
        if model is None:
            raise LookupError(
                f"shared/contracts/{self.service}.py does not declare its accountability_events"
            )
        base = PersonalDataExported if action == "exported" else PersonalDataErased
        assert issubclass(model, base)
        return model


def merge_handlers(base: Handlers | None, extra: Handlers) -> Handlers:
    """`base` (changed in place) also running `extra`'s handlers: for an event type both handle,
    `extra`'s first, then `base`'s (for a run of events `base` handles at once: `extra`'s for each
    event, then `base`'s for the run)."""
    if base is None:
        return extra
    for name in extra.types:
        added = extra.get(name)
        assert added is not None
        model = CATALOG[name]
        existing = base.get(name)
        if existing is None:
            base.on(model)(added)
            continue
        batch = base.get_batch(name)
        if batch is not None:

            async def each_then_batch(
                session: AsyncSession,
                events: list[tuple[CloudEvent, Any]],
                first: Any = added,
                then: Any = batch,
            ) -> None:
                for envelope, event in events:
                    await first(session, envelope, event)
                await then(session, events)

            base.on_batch(model)(each_then_batch)
            continue

        async def both(
            session: AsyncSession, envelope: CloudEvent, event: Any, first: Any = added, then: Any = existing
        ) -> None:
            await first(session, envelope, event)
            await then(session, envelope, event)

        base.on(model)(both)
    return base


def _exported_row(records: Records, row: Mapping[Any, Any], person_id: uuid.UUID) -> Document:
    own = records.owner is None or row[records.owner] == person_id
    hidden = set(records.secret) | (set() if own else set(records.private))
    return {name: value for name, value in row.items() if name not in hidden}


async def erase_messaging_traces(
    session: AsyncSession, messaging: MessagingTables, *, organization: str, person_id: uuid.UUID
) -> dict[str, int]:
    """What the plumbing keeps of a person: the responses to their idempotent requests (they may
    repeat what they sent), and published events naming them still in the outbox (kept a few days
    for diagnosis; unpublished ones must still go out)."""
    keys = messaging.idempotency
    replayed = await session.execute(
        delete(keys).where(keys.c.organization == organization, keys.c.principal == str(person_id))
    )
    outbox = messaging.outbox
    mentioned = text("position(convert_to(:person, 'UTF8') IN payload) > 0").bindparams(person=str(person_id))
    published = await session.execute(delete(outbox).where(outbox.c.published_at.is_not(None), mentioned))
    return {
        "idempotent_responses": int(replayed.rowcount or 0),  # type: ignore[attr-defined]
        "published_events": int(published.rowcount or 0),  # type: ignore[attr-defined]
    }


# --- the export store -------------------------------------------------------------------------------


def export_bucket(namespace: str) -> str:
    return f"{namespace}_exports".upper()


def part_name(export_id: uuid.UUID, service: str) -> str:
    return f"{export_id}/{service}.json"


async def export_store(js: JetStreamContext, namespace: str, replicas: int = 1) -> ObjectStore:
    """The object store bucket where services put their parts of exports (created on first use)."""
    bucket = export_bucket(namespace)
    try:
        return await js.object_store(bucket)
    except (BucketNotFoundError, NotFoundError):
        return await js.create_object_store(
            bucket,
            config=ObjectStoreConfig(
                description="Parts of people's data exports, until the privacy service assembles them",
                ttl=EXPORT_STORE_TTL_SECONDS,
                replicas=replicas,
            ),
        )


__all__ = [
    "FORMER_MEMBER",
    "ExtraFile",
    "PersonalData",
    "Records",
    "Retained",
    "erase_messaging_traces",
    "export_store",
    "merge_handlers",
    "part_name",
]
