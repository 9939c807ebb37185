"""Consented self-identification: the attributes an organization offers (admins), and a person's own
values and consents (that person only: no route reads anyone else's, whatever the token's roles)."""

from __future__ import annotations

from fastapi import Response

from profiles import queries
from profiles.dependencies import Change, SelfIdBox, Writer
from profiles.documents import own_self_identification_document, self_id_attribute_document
from profiles.models import messaging
from profiles.schemas import (
    AttributeSlug,
    GroupLabels,
    OwnSelfIdentifications,
    SelfIdAttributeIn,
    SelfIdAttributeList,
    SelfIdAttributeOut,
    SelfIdentifyIn,
)
from profiles.service import self_identification
from shared.audit import record_access
from shared.contracts.profiles import SelfIdentificationPurpose
from shared.dependencies import Admin, Caller, Reader
from shared.responses import document_response, problems
from shared.routing import Routes

router = Routes(
    "self-identification", "Consented, revocable self-identification (sealed, shown to the person alone)"
)

# What the trail says was read.
OWN_READ = "self-identification"
GROUP_LABELS_READ = "self-identification group labels"


@router.reads("/self-identification/attributes", SelfIdAttributeList)
async def list_attributes(caller: Caller, db: Reader) -> Response:
    """Attributes people may self-identify on, their values and purposes (admins: disabled too)"""
    return document_response({"items": await queries.self_id_attributes(db, caller=caller)})


@router.puts(
    "/self-identification/attributes/{attribute}",
    SelfIdAttributeOut,
    responses={201: {"description": "Created", "model": SelfIdAttributeOut}, **problems(403, 412, 422, 428)},
)
async def put_attribute(
    attribute: AttributeSlug,
    body: SelfIdAttributeIn,
    caller: Admin,
    change: Change,
    box: SelfIdBox,
) -> Response:
    """Offer (or change) an attribute (admin; If-Match once it exists). Values or purposes taken away revoke
    what people consented to with them
    """
    row, created = await change.run(
        self_identification.put_attribute, caller=caller, box=box, slug=attribute, body=body
    )
    document = self_id_attribute_document(row)
    return document_response(document, status_code=201 if created else 200, version=document["version"])


@router.reads("/self-identification/attributes/{attribute}/groups", GroupLabels, 403, 404)
async def group_labels(attribute: AttributeSlug, caller: Admin, writer: Writer, box: SelfIdBox) -> Response:
    # A writer: the organization's pseudonym secret is created on first use.
    """Labels of an attribute's pseudonymous groups, to read aggregate fairness reports (admin). They name
    values, never people
    """
    async with writer.transaction() as session:
        items = await self_identification.group_labels(session, caller=caller, box=box, slug=attribute)
        # What de-pseudonymizes the fairness reports per self-identified group: a sensitive read,
        # in the audit trail (which attribute's labels, never the values).
        await record_access(
            session,
            messaging.audit,
            organization=caller.organization,
            resource_type="self_identification_attribute",
            resource_id=attribute,
            what=GROUP_LABELS_READ,
        )
    return document_response({"attribute": attribute, "items": items})


@router.reads("/me/self-identification", OwnSelfIdentifications)
async def own(caller: Caller, db: Reader, box: SelfIdBox, writer: Writer) -> Response:
    # Sensitive data read (by its owner): in the audit trail, naming what was read only.
    """Your self-identification and your consent record (only ever your own)"""
    async with writer.transaction() as session:
        await record_access(
            session,
            messaging.audit,
            organization=caller.organization,
            resource_type="self_identification",
            resource_id=str(caller.subject),
            what=OWN_READ,
        )
    return await _own(caller, db, box)


async def _own(caller: Caller, db: Reader, box: SelfIdBox) -> Response:
    found = await queries.own_self_identification(db, caller=caller)
    entries = [(row, attribute, box.open(row.sealed_value)) for row, attribute in found.entries]
    return document_response(own_self_identification_document(entries, found.consents))


@router.puts("/me/self-identification/{attribute}", OwnSelfIdentifications, 403, 404, 422)
async def self_identify(
    attribute: AttributeSlug, body: SelfIdentifyIn, caller: Caller, writer: Writer, db: Reader, box: SelfIdBox
) -> Response:
    """Self-identify on an attribute with consent to each purpose listed (purposes left out are revoked);
    recorded and revocable at any time
    """
    async with writer.transaction() as session:
        await self_identification.self_identify(
            session, caller=caller, box=box, attribute=attribute, body=body
        )
    return await _own(caller, db, box)


@router.deletes(
    "/me/self-identification/{attribute}/purposes/{purpose}", OwnSelfIdentifications, 403, 404, 422
)
async def revoke_purpose(
    attribute: AttributeSlug,
    purpose: SelfIdentificationPurpose,
    caller: Caller,
    writer: Writer,
    db: Reader,
    box: SelfIdBox,
) -> Response:
    """Revoke consent to one purpose (recorded); a value left without any purpose is deleted"""
    async with writer.transaction() as session:
        await self_identification.revoke(
            session, caller=caller, box=box, attribute=attribute, purpose=purpose
        )
    return await _own(caller, db, box)


@router.deletes("/me/self-identification/{attribute}", None, 403, 404, 422)
async def revoke_all(attribute: AttributeSlug, caller: Caller, writer: Writer, box: SelfIdBox) -> Response:
    """Revoke every consent for an attribute and delete the value (recorded)"""
    async with writer.transaction() as session:
        await self_identification.revoke(session, caller=caller, box=box, attribute=attribute, purpose=None)
    return Response(status_code=204)
