"""Tables of the portal (schema `portal`): only the platform's messaging tables.

The portal keeps no data of its own: the home view is read from the owning services' APIs with the
caller's token, so each service's own visibility rules apply and nothing is copied.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "portal"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


messaging = messaging_tables(Base.metadata)
