"""One-click unsubscribe (RFC 8058), reached from an email without a token: the link's own signed
token says whose emails of which kind to switch off. GET only shows a button (mail scanners follow
links); the POST a mail client sends (`List-Unsubscribe=One-Click`) or the button does the change."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import Path, Response
from fastapi.responses import HTMLResponse

from notifications import queries
from notifications.dependencies import SettingsDep
from notifications.kinds import KINDS
from notifications.service import preferences
from notifications.unsubscribe_tokens import read_token
from shared.clock import utcnow
from shared.dependencies import Reader, Writer
from shared.errors import not_found
from shared.responses import document_response, found
from shared.routing import Routes

router = Routes("unsubscribe", "One-click unsubscribe links from emails (no token)", prefix="/v1/unsubscribe")

Token = Annotated[str, Path(max_length=200, pattern=r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")]


@router.reads("/{token}", None, 404, response_class=HTMLResponse)
async def unsubscribe_page(token: Token, settings: SettingsDep, db: Reader) -> HTMLResponse:
    """A page confirming the unsubscription"""
    found = read_token(settings.unsubscribe_secret.get_secret_value().encode(), token)
    if found is None or found[1] not in KINDS or await queries.person(db, found[0]) is None:
        raise not_found("unsubscribe link")
    title = escape(KINDS[found[1]].title)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Unsubscribe</title></head>
<body><p>Stop emails about: <strong>{title}</strong>?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button></form></body></html>"""
    return HTMLResponse(page, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.posts("/{token}", None, 404)
async def unsubscribe(token: Token, settings: SettingsDep, writer: Writer) -> Response:
    """Switch these emails off (one click, no sign-in)"""
    claim = read_token(settings.unsubscribe_secret.get_secret_value().encode(), token)
    if claim is None or claim[1] not in KINDS:
        raise not_found("unsubscribe link")
    person_id, kind = claim
    async with writer.transaction() as session:
        person = found(await queries.person(session, person_id), "unsubscribe link")
        await preferences.unsubscribe(
            session, organization=person.organization, person_id=person_id, kind=kind, now=utcnow()
        )
    return document_response({"unsubscribed": kind, "channel": "email"})
