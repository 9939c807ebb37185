"""The starter library: mentor basics, mentee basics and responsible AI, written by us."""

from __future__ import annotations

from fastapi import Response

from shared.clock import utcnow
from shared.dependencies import Admin, Caller, Reader, Writer
from shared.responses import document_response
from shared.routing import Routes
from training import queries
from training.schemas import LibraryOut
from training.service import modules

router = Routes("library", "The starter library shipped with the platform")


@router.reads("/library", LibraryOut)
async def get_library(caller: Caller, db: Reader) -> Response:
    """The starter library's collections, with each module's id once loaded here"""
    return document_response(await queries.library_document(db, organization=caller.organization, loaded=0))


@router.posts("/library/load", LibraryOut, 403)
async def load_library(caller: Admin, writer: Writer) -> Response:
    """Load the starter library into your organization, published (admin). Idempotent: modules loaded before,
    edited or not, are left as they are
    """
    async with writer.transaction() as session:
        result = await modules.load_library(session, organization=caller.organization, now=utcnow())
        document = await queries.library_document(
            session, organization=caller.organization, loaded=result["created"]
        )
    return document_response(document)
