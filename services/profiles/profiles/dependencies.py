"""Request dependencies of the profiles API, as `Annotated` aliases: a writer that refuses leavers
(with the Creation and Change built on it: routes take these three from here, never from
shared.dependencies), the service's settings, who may manage people, and the person lookup (GET
person's fast path). The other shared ones come from shared.dependencies.

All are `async def`: FastAPI runs plain `def` dependencies in a thread pool, a hop per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from profiles.config import ProfilesSettings
from profiles.leavers import refuse_leaver
from profiles.person_lookup import PersonLookup
from shared.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.dependencies import (
    ConditionalChange,
    IdempotentCreation,
    RequestWriter,
    app_settings,
    change_over,
    creation_over,
)
from shared.secret_box import SecretBox

__all__ = ["Change", "Creation", "Lookup", "PeopleManager", "SelfIdBox", "SettingsDep", "Writer"]


async def _writer(request: Request, caller: CurrentPrincipal) -> RequestWriter:
    """How a route writes, once the caller is not a leaver.

    A deactivated person's token still verifies until it expires (the identity provider signed
    it): whatever it asks to add or change is a 403. Taking things away (a DELETE, such as erasing
    their own personal data) stays open to them. Callers who are not people of the organization
    (the HR integration, an admin without a profile) are not concerned.
    """
    if request.method != "DELETE":
        await refuse_leaver(request.app.state.runtime, caller)
    return RequestWriter(request, request.app.state.runtime, getattr(request.app.state, "idempotency", None))


async def _person_lookup(request: Request) -> PersonLookup:
    lookup: PersonLookup = request.app.state.person_lookup
    return lookup


SettingsDep = Annotated[ProfilesSettings, Depends(app_settings)]
# Every profiles write: the shared writer, refused to leavers (see `_writer`).
Writer = Annotated[RequestWriter, Depends(_writer)]
Creation = Annotated[IdempotentCreation, Depends(creation_over(_writer))]
Change = Annotated[ConditionalChange, Depends(change_over(_writer))]
Lookup = Annotated[PersonLookup, Depends(_person_lookup)]
# Admins, and the HR integration that provisions people.
PeopleManager = Annotated[Principal, require_roles(Role.ADMIN, Role.INTEGRATION)]


async def _self_id_box(request: Request) -> SecretBox:
    # Built once per app from its settings: the keys that seal self-identification at rest.
    box: SecretBox | None = getattr(request.app.state, "self_id_box", None)
    if box is None:
        settings: ProfilesSettings = request.app.state.settings
        box = SecretBox(settings.self_id_encryption_keys)
        request.app.state.self_id_box = box
    return box


SelfIdBox = Annotated[SecretBox, Depends(_self_id_box)]
