"""The privacy API application (`uvicorn --factory privacy.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from privacy.config import PrivacySettings
from privacy.models import messaging
from privacy.routes import ROUTERS
from shared.app import create_service_app

DESCRIPTION = """
Privacy and accountability across every service of the platform.

- **Exports**: a person (or an admin on their behalf) asks for everything the platform holds on
  them; every registered service contributes its part through events, and the archive (a zip of
  JSON files with a README) can be downloaded for a limited time. Other people's private text is
  never in it.
- **Erasures**: a deactivated person is erased (or irreversibly anonymized) in every service; the
  erasure completes once every registered service confirmed, is retried until then and stays
  visible as pending. Matches, sessions and feedback of the other party stay, with the person shown
  as "former member".
- **Policy**: per organization, retention periods (enforced by the services holding the records),
  automatic erasure of leavers, and whether integration tokens may export or erase.
- **Audit trail**: who changed what and when in every service (and who read sensitive data),
  filtered by resource, actor and time, paged or as CSV. Append-only.
"""


def create_app(settings: PrivacySettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or PrivacySettings(),
        title="Privacy",
        description=DESCRIPTION,
        routers=ROUTERS,
        messaging=messaging,
    )
