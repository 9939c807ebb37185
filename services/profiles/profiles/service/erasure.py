"""Use case of erasing a deactivated person (issue 20), on the privacy service's request.

Profiles goes first: the person's row is anonymized in place (their id stays, so what others hold
keeps pointing somewhere, and they are shown as "former member"), their SCIM identity, their
self-identification, personality results and program answers are erased, and what bulk imports
kept of their row is blanked. Then `profiles.person.erased` tells every other service, through the
same stream that carried every earlier event about the person, to erase its part. An erased person
(`erased_at` set) can no longer be changed or reactivated, through the API or SCIM
(`changes.refuse_if_erased`: a 409 `person-erased` problem).

Erasing again (the privacy service retries until every service confirmed) changes nothing more and
publishes the same two events again.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ARRAY, Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.models import SCHEMA, Person
from profiles.personal_data import PERSONAL_DATA
from profiles.service import personality, self_identification
from profiles.service.changes import apply_change, is_erased, locked, publish
from shared.clock import utcnow
from shared.contracts.profiles import PersonErased
from shared.personal_data import FORMER_MEMBER
from shared.secret_box import SecretBox

# The domain of an erased person's address: unroutable, and nobody's.
ERASED_EMAIL_DOMAIN = "@erased.invalid"


def anonymized() -> dict[str, Any]:
    """What an erased person's row says instead: no name, no reachable email, no free text."""
    return {
        "erased_at": utcnow(),
        "name": FORMER_MEMBER,
        # Unique per organization like any email, and nobody's: a random, unroutable address.
        "email": f"erased-{uuid.uuid4().hex}{ERASED_EMAIL_DOMAIN}",
        "external_id": None,
        "title": None,
        "department": None,
        "bio": None,
        "goals": [],
        "specializations": [],
    }


def _blanked(column: str) -> str:
    return f"""
        CASE WHEN jsonb_typeof({column}) = 'array' THEN (
            SELECT coalesce(jsonb_agg(
                CASE WHEN EXISTS (SELECT 1 FROM unnest(:needles) AS n WHERE position(n IN e.r::text) > 0)
                     THEN '{{"erased": true}}'::jsonb ELSE e.r END ORDER BY e.i), '[]'::jsonb)
            FROM jsonb_array_elements({column}) WITH ORDINALITY AS e(r, i)
        ) ELSE {column} END
    """


# Rows of bulk imports (kept to report on them) that carry the person's email, name or external id
# become {"erased": true}, and so do their errors.
_BLANK_IMPORTS = text(
    f"""
    UPDATE "{SCHEMA}".import_jobs SET "rows" = {_blanked('"rows"')}, errors = {_blanked("errors")}
    WHERE organization = :organization AND EXISTS (
        SELECT 1 FROM unnest(:needles) AS n
        WHERE position(n IN "rows"::text) > 0 OR position(n IN errors::text) > 0
    )
    """
).bindparams(bindparam("needles", type_=ARRAY(Text)))


async def erase_person(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, erasure_id: uuid.UUID, box: SecretBox
) -> dict[str, int] | None:
    """Erase a deactivated person and tell every service; None (nothing done) when the person is
    unknown here or active again (the privacy service then cancels the request)."""
    person: Person | None = await locked(session, Person, organization=organization, row_id=person_id)
    if person is None or person.active:
        return None
    counts: dict[str, int] = {"people": 0}
    if not is_erased(person):
        needles = [person.email, person.name, person.external_id or ""]
        await apply_change(session, person, anonymized())
        counts["people"] = 1
        blanked = await session.execute(
            _BLANK_IMPORTS, {"organization": organization, "needles": [n for n in needles if n]}
        )
        counts["import_rows"] = int(blanked.rowcount or 0)  # type: ignore[attr-defined]
    values, consents = await self_identification.erase(
        session, organization=organization, person_id=person_id, box=box
    )
    counts["self_identifications"], counts["consent_records"] = values, consents
    counts["personality_results"] = await personality.erase(
        session, organization=organization, person_id=person_id
    )
    await publish(
        session,
        PersonErased(person_id=person_id, erasure_id=erasure_id, version=person.version),
        organization=organization,
        subject=person_id,
    )
    return await PERSONAL_DATA.erase_and_confirm(
        session, organization=organization, person_id=person_id, erasure_id=erasure_id, erased_before=counts
    )
