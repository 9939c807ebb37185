"""Use cases of consented self-identification.

An admin enables attributes (values and the purposes people may consent to). A person gives a value
with explicit consent per purpose, changes it, or revokes consent at any time; every grant and
revocation is recorded (who, which attribute, which purpose, when: never the value). The value is
sealed at rest (shared.secret_box) and kept only while some purpose is consented to.

Matching learns only what each purpose allows, through `SelfIdentificationUpdated`: for fairness
reports and matching preferences, a pseudonymous group key per attribute (`profiles.pseudonyms`),
never the value; the event is confidential (never delivered to webhooks). No use case here returns
anyone's value but to the person themself.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.models import (
    Person,
    SelfIdAttribute,
    SelfIdConsent,
    SelfIdentification,
    SelfIdSecret,
    SelfIdState,
)
from profiles.pseudonyms import group_key
from profiles.schemas import SelfIdAttributeIn, SelfIdentifyIn
from profiles.service.changes import flush, publish
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.contracts.profiles import (
    IdentityGroup,
    SelfIdentificationPurpose,
    SelfIdentificationState,
    SelfIdentificationUpdated,
)
from shared.errors import Problem, invalid_field
from shared.logging import get_logger
from shared.secret_box import SecretBox

GRANTED, REVOKED = "granted", "revoked"
_log = get_logger("profiles.self_identification")


def person_of(caller: Principal) -> uuid.UUID:
    """The caller as a person: self-identification is always one's own."""
    person_id = caller.person_id
    if person_id is None:
        raise Problem(403, "only a person can self-identify")
    return person_id


# -- the organization's attributes ----------------------------------------------------------------


async def put_attribute(
    session: AsyncSession,
    *,
    caller: Principal,
    box: SecretBox,
    slug: str,
    body: SelfIdAttributeIn,
    if_match: str | None,
) -> tuple[SelfIdAttribute, bool]:
    """Create or replace an attribute (If-Match once it exists); (attribute, created).

    Values or purposes taken away, or the attribute disabled, revoke what people consented to with
    them (recorded as revoked by the admin), and values left without any purpose are deleted.
    """
    row = await session.scalar(
        select(SelfIdAttribute)
        .where(SelfIdAttribute.organization == caller.organization, SelfIdAttribute.slug == slug)
        .with_for_update()
    )
    now = utcnow()
    values = {
        "label": body.label,
        "description": body.description,
        "values": [{"id": value.id, "label": value.label} for value in body.values],
        "purposes": [purpose.value for purpose in body.purposes],
        "enabled": body.enabled,
        "updated_at": now,
    }
    if row is None:
        row = SelfIdAttribute(
            organization=caller.organization, slug=slug, version=1, created_at=now, **values
        )
        session.add(row)
        await flush(session)
        return row, True
    check_if_match(if_match, row.version)
    for name, value in values.items():
        setattr(row, name, value)
    row.version += 1
    await flush(session)
    allowed_values = {value.id for value in body.values} if body.enabled else set()
    allowed_purposes = {purpose.value for purpose in body.purposes}
    await _withdraw_what_is_no_longer_allowed(
        session,
        caller=caller,
        box=box,
        attribute=slug,
        allowed_values=allowed_values,
        allowed_purposes=allowed_purposes,
    )
    return row, False


async def _withdraw_what_is_no_longer_allowed(
    session: AsyncSession,
    *,
    caller: Principal,
    box: SecretBox,
    attribute: str,
    allowed_values: set[str],
    allowed_purposes: set[str],
) -> None:
    rows = await session.scalars(
        select(SelfIdentification)
        .where(
            SelfIdentification.organization == caller.organization, SelfIdentification.attribute == attribute
        )
        .with_for_update()
    )
    affected: list[uuid.UUID] = []
    for row in rows:
        value = box.open(row.sealed_value)
        keep = [
            purpose for purpose in row.purposes if purpose in allowed_purposes and value in allowed_values
        ]
        if keep == row.purposes:
            continue
        _record(
            session,
            caller=caller,
            person_id=row.person_id,
            attribute=attribute,
            purposes=[purpose for purpose in row.purposes if purpose not in keep],
            action=REVOKED,
        )
        if keep:
            row.purposes = keep
            row.updated_at = utcnow()
        else:
            await session.delete(row)
        affected.append(row.person_id)
    await flush(session)
    for person_id in affected:
        await publish_state(session, organization=caller.organization, person_id=person_id, box=box)


async def attribute_or_404(session: AsyncSession, *, organization: str, slug: str) -> SelfIdAttribute:
    row = await session.scalar(
        select(SelfIdAttribute).where(
            SelfIdAttribute.organization == organization, SelfIdAttribute.slug == slug
        )
    )
    if row is None:
        raise Problem(404, "no such self-identification attribute")
    return row


async def group_labels(
    session: AsyncSession, *, caller: Principal, box: SecretBox, slug: str
) -> list[dict[str, str]]:
    """key -> label of every value of an attribute, for reading aggregate reports (admins).

    Labels are not personal: the link from a person to a key is, and it never leaves matching."""
    attribute = await attribute_or_404(session, organization=caller.organization, slug=slug)
    secret = await organization_secret(session, organization=caller.organization, box=box)
    return [
        {
            "group_key": group_key(secret, attribute=attribute.slug, value=value["id"]),
            "value": value["id"],
            "label": value["label"],
        }
        for value in attribute.values
    ]


async def organization_secret(session: AsyncSession, *, organization: str, box: SecretBox) -> bytes:
    """The organization's pseudonym secret (created on first use, sealed at rest)."""
    candidate = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    await session.execute(
        insert(SelfIdSecret)
        .values(
            organization=organization,
            sealed_secret=box.seal(candidate),
            key_fingerprint=box.fingerprint,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[SelfIdSecret.organization])
    )
    sealed = await session.scalar(
        select(SelfIdSecret.sealed_secret).where(SelfIdSecret.organization == organization)
    )
    assert sealed is not None
    return base64.b64decode(box.open(sealed))


# -- a person's own ---------------------------------------------------------------------------------


def _record(
    session: AsyncSession,
    *,
    caller: Principal,
    person_id: uuid.UUID,
    attribute: str,
    purposes: Iterable[str],
    action: str,
) -> None:
    now = utcnow()
    for purpose in sorted(purposes):
        session.add(
            SelfIdConsent(
                id=uuid.uuid4(),
                organization=caller.organization,
                person_id=person_id,
                attribute=attribute,
                purpose=purpose,
                action=action,
                recorded_by=caller.subject,
                recorded_at=now,
            )
        )


async def self_identify(
    session: AsyncSession, *, caller: Principal, box: SecretBox, attribute: str, body: SelfIdentifyIn
) -> None:
    """Give (or change) one's value for an attribute with consent to `body.purposes`; purposes left
    out are revoked. Consent to a changed value is recorded as given again."""
    person_id = person_of(caller)
    organization = caller.organization
    enabled = await session.scalar(
        select(SelfIdAttribute).where(
            SelfIdAttribute.organization == organization,
            SelfIdAttribute.slug == attribute,
            SelfIdAttribute.enabled.is_(True),
        )
    )
    if enabled is None:
        raise invalid_field(
            "path.attribute", "the organization offers no such attribute to self-identify on", kind="unknown"
        )
    if body.value not in {value["id"] for value in enabled.values}:
        raise invalid_field("value", f"not one of the values of {attribute}", kind="unknown_value")
    refused = [
        {"field": f"body.purposes.{position}", "message": "not offered for this attribute", "type": "unknown"}
        for position, purpose in enumerate(body.purposes)
        if purpose.value not in enabled.purposes
    ]
    if refused:
        raise Problem(422, "the attribute is not offered for these purposes", errors=refused)
    if (
        await session.scalar(
            select(Person.id).where(Person.id == person_id, Person.organization == organization)
        )
        is None
    ):
        raise Problem(404, "you have no profile in this organization")
    row = await session.scalar(
        select(SelfIdentification)
        .where(SelfIdentification.person_id == person_id, SelfIdentification.attribute == attribute)
        .with_for_update()
    )
    purposes = [purpose.value for purpose in body.purposes]
    now = utcnow()
    if row is None:
        _record(
            session,
            caller=caller,
            person_id=person_id,
            attribute=attribute,
            purposes=purposes,
            action=GRANTED,
        )
        session.add(
            SelfIdentification(
                person_id=person_id,
                attribute=attribute,
                organization=organization,
                sealed_value=box.seal(body.value),
                key_fingerprint=box.fingerprint,
                purposes=sorted(purposes),
                updated_at=now,
            )
        )
    else:
        changed_value = box.open(row.sealed_value) != body.value
        granted = set(purposes) if changed_value else set(purposes) - set(row.purposes)
        revoked = set(row.purposes) - set(purposes)
        _record(
            session, caller=caller, person_id=person_id, attribute=attribute, purposes=revoked, action=REVOKED
        )
        _record(
            session, caller=caller, person_id=person_id, attribute=attribute, purposes=granted, action=GRANTED
        )
        if changed_value:
            row.sealed_value = box.seal(body.value)
            row.key_fingerprint = box.fingerprint
        row.purposes = sorted(purposes)
        row.updated_at = now
    await flush(session)
    await publish_state(session, organization=organization, person_id=person_id, box=box)


async def revoke(
    session: AsyncSession,
    *,
    caller: Principal,
    box: SecretBox,
    attribute: str,
    purpose: SelfIdentificationPurpose | None,
) -> None:
    """Revoke consent to one purpose (or all); a value left without a purpose is deleted."""
    person_id = person_of(caller)
    row = await session.scalar(
        select(SelfIdentification)
        .where(
            SelfIdentification.person_id == person_id,
            SelfIdentification.organization == caller.organization,
            SelfIdentification.attribute == attribute,
        )
        .with_for_update()
    )
    if row is None:
        raise Problem(404, "you have not self-identified on this attribute")
    revoked = [purpose.value] if purpose is not None else list(row.purposes)
    revoked = [item for item in revoked if item in row.purposes]
    if not revoked:
        return  # nothing consented to this purpose: revoking again changes nothing
    _record(
        session, caller=caller, person_id=person_id, attribute=attribute, purposes=revoked, action=REVOKED
    )
    remaining = [item for item in row.purposes if item not in revoked]
    if remaining:
        row.purposes = remaining
        row.updated_at = utcnow()
    else:
        await session.delete(row)
    await flush(session)
    await publish_state(session, organization=caller.organization, person_id=person_id, box=box)


async def erase(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, box: SecretBox
) -> tuple[int, int]:
    """Delete the person's values and consent record; matching is told. (values, consent records)."""
    values = await session.execute(
        delete(SelfIdentification).where(
            SelfIdentification.person_id == person_id, SelfIdentification.organization == organization
        )
    )
    records = await session.execute(
        delete(SelfIdConsent).where(
            SelfIdConsent.person_id == person_id, SelfIdConsent.organization == organization
        )
    )
    erased = int(values.rowcount or 0), int(records.rowcount or 0)  # type: ignore[attr-defined]
    known = await session.scalar(select(SelfIdState.version).where(SelfIdState.person_id == person_id))
    if erased[0] or known is not None:
        await publish_state(session, organization=organization, person_id=person_id, box=box)
    return erased


async def publish_state(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, box: SecretBox
) -> None:
    """Tell matching what the person's consents now allow (pseudonymous keys only), next version."""
    rows = list(
        await session.scalars(
            select(SelfIdentification)
            .join(
                SelfIdAttribute,
                (SelfIdAttribute.organization == SelfIdentification.organization)
                & (SelfIdAttribute.slug == SelfIdentification.attribute),
            )
            .where(
                SelfIdentification.person_id == person_id,
                SelfIdentification.organization == organization,
                SelfIdAttribute.enabled.is_(True),
            )
            .order_by(SelfIdentification.attribute)
        )
    )
    groups: dict[str, list[IdentityGroup]] = {purpose.value: [] for purpose in SelfIdentificationPurpose}
    if rows:
        secret = await organization_secret(session, organization=organization, box=box)
        for row in rows:
            key = group_key(secret, attribute=row.attribute, value=box.open(row.sealed_value))
            for purpose in row.purposes:
                groups[purpose].append(IdentityGroup(attribute=row.attribute, group_key=key))
    now = utcnow()
    statement = insert(SelfIdState).values(
        person_id=person_id, organization=organization, version=1, updated_at=now
    )
    version = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=[SelfIdState.person_id],
            set_={"version": SelfIdState.version + 1, "updated_at": now},
        ).returning(SelfIdState.version)
    )
    state = SelfIdentificationState(
        person_id=person_id,
        organization=organization,
        version=int(version or 1),
        fairness_groups=groups[SelfIdentificationPurpose.FAIRNESS_REPORTS.value],
        matching_groups=groups[SelfIdentificationPurpose.MATCHING_PREFERENCE.value],
        updated_at=now,
    )
    await publish(
        session,
        SelfIdentificationUpdated(self_identification=state),
        organization=organization,
        subject=person_id,
    )


# -- key rotation -------------------------------------------------------------------------------------


async def reseal(
    session: AsyncSession, *, box: SecretBox, batch_size: int, organization: str | None = None
) -> int:
    """Seal again with the first key what an older key sealed (values and secrets, of one
    organization or all); how many."""
    resealed = 0
    value_query = select(SelfIdentification).where(SelfIdentification.key_fingerprint != box.fingerprint)
    secret_query = select(SelfIdSecret).where(SelfIdSecret.key_fingerprint != box.fingerprint)
    if organization is not None:
        value_query = value_query.where(SelfIdentification.organization == organization)
        secret_query = secret_query.where(SelfIdSecret.organization == organization)
    values = await session.scalars(value_query.limit(batch_size).with_for_update(skip_locked=True))
    for row in values:
        try:
            row.sealed_value = box.reseal(row.sealed_value)
        except ValueError:
            # Sealed with a key no longer configured: nothing can open it; say so, keep going.
            _log.error(
                "a self-identified value cannot be opened with the configured keys",
                person_id=str(row.person_id),
            )
            continue
        row.key_fingerprint = box.fingerprint
        resealed += 1
    organization_secrets = await session.scalars(
        secret_query.limit(batch_size).with_for_update(skip_locked=True)
    )
    for secret in organization_secrets:
        try:
            secret.sealed_secret = box.reseal(secret.sealed_secret)
        except ValueError:
            _log.error(
                "a pseudonym secret cannot be opened with the configured keys",
                organization=secret.organization,
            )
            continue
        secret.key_fingerprint = box.fingerprint
        resealed += 1
    await flush(session)
    return resealed
