"""Optimistic concurrency (`ETag` / `If-Match`) and idempotent creation (`Idempotency-Key`)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.errors import Problem

IfMatch = Annotated[str | None, Header(alias="If-Match", description="ETag of the version being updated")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Makes a creating POST safe to retry",
    ),
]


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """428 when the header is missing, 412 when it names another version."""
    if if_match is None:
        raise Problem(428, "updates require an If-Match header with the resource's ETag")
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in candidates and etag(version) not in candidates:
        raise Problem(412, f"the resource has changed; its current ETag is {etag(version)}")


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


class IdempotencyKeys:
    """Stored responses of creating POSTs, per organization, caller and key."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def replay(
        self, session: AsyncSession, *, principal: Principal, key: str, request_fingerprint: str
    ) -> JSONResponse | None:
        """The stored response for a repeated request; 422 if the key was used for another request."""
        row = (
            await session.execute(
                select(self.table).where(
                    self.table.c.organization == principal.organization,
                    self.table.c.principal == principal.subject,
                    self.table.c.key == key,
                )
            )
        ).first()
        if row is None:
            return None
        if row.fingerprint != request_fingerprint:
            raise Problem(
                422,
                "this Idempotency-Key was already used with a different request",
                slug="idempotency-key-reused",
            )
        headers = {**row.headers, "Idempotent-Replayed": "true"}
        return JSONResponse(row.body, status_code=row.status_code, headers=headers)

    async def remember(
        self,
        session: AsyncSession,
        *,
        principal: Principal,
        key: str,
        request_fingerprint: str,
        status_code: int,
        body: Any,
        headers: dict[str, str],
    ) -> None:
        """Store the response in the creating transaction; a concurrent twin with the key gets 409."""
        inserted = await session.execute(
            insert(self.table)
            .values(
                organization=principal.organization,
                principal=principal.subject,
                key=key,
                fingerprint=request_fingerprint,
                status_code=status_code,
                body=body,
                headers=headers,
            )
            .on_conflict_do_nothing()
            .returning(self.table.c.key)
        )
        if inserted.first() is None:
            raise Problem(
                409, "a request with this Idempotency-Key was processed concurrently; retry to get its result"
            )
