"""`GET /v1/me`: the signed-in person's home view in one round trip."""

from __future__ import annotations

from fastapi import Request

from portal import queries
from portal.dependencies import SettingsDep, UpstreamsDep
from portal.schemas import Me
from shared.auth import bearer_token
from shared.dependencies import Caller
from shared.errors import Problem
from shared.responses import DocumentResponse
from shared.routing import Routes

router = Routes("home", "The signed-in person's views")


@router.reads("/me", Me, 403)
async def get_me(
    request: Request, caller: Caller, upstreams: UpstreamsDep, settings: SettingsDep
) -> DocumentResponse:
    """My home view: profile, enrollments, matches, next sessions, open requests and more"""
    person_id = caller.person_id
    token = bearer_token(request)
    if person_id is None or token is None:
        raise Problem(403, "the home view is for people; this token does not speak for a person")
    view = await queries.home(upstreams, settings, token=token, person_id=str(person_id))
    return DocumentResponse(view, headers={"Cache-Control": "private, no-store"})
