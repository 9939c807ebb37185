"""Request dependencies of the notifications API, as `Annotated` aliases: its settings and the caller
as a person (an inbox and preferences belong to a person); the shared ones: shared.dependencies."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from notifications.config import NotificationsSettings
from shared.dependencies import Caller, app_settings
from shared.errors import Problem
from shared.live import LiveHub
from shared.secret_box import SecretBox

SettingsDep = Annotated[NotificationsSettings, Depends(app_settings)]


@dataclass(frozen=True)
class Person:
    """The caller as a person of an organization: whose inbox and preferences a request touches."""

    organization: str
    id: uuid.UUID


async def _person(caller: Caller) -> Person:
    person_id = caller.person_id
    if person_id is None:
        raise Problem(403, "only a person has notifications (the token's subject is not a person id)")
    return Person(organization=caller.organization, id=person_id)


async def _live_hub(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live_hub
    return hub


async def _live_reads(request: Request) -> asyncio.Semaphore:
    reads: asyncio.Semaphore = request.app.state.live_reads
    return reads


async def _secret_box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


Me = Annotated[Person, Depends(_person)]
LiveHubDep = Annotated[LiveHub, Depends(_live_hub)]
# Bounds the live streams' reads to what the connection pool holds.
LiveReadsDep = Annotated[asyncio.Semaphore, Depends(_live_reads)]
SecretBoxDep = Annotated[SecretBox, Depends(_secret_box)]

__all__ = ["LiveHubDep", "LiveReadsDep", "Me", "Person", "SecretBoxDep", "SettingsDep"]
