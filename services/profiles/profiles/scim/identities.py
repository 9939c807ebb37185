"""What SCIM knows of a person beyond the profile: the `userName` it was provisioned under, the
attributes the profile keeps in another form (name parts, email types), and whether the identity
provider deleted them.

A person without a row here (added through the API or a bulk import) is still visible through
SCIM, with their email as `userName`; the row is written on the first SCIM change.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from profiles.models import Base


class ScimIdentity(Base):
    __tablename__ = "scim_identities"
    __table_args__ = (
        # userName is unique per organization, compared case-insensitively (RFC 7643 §4.1.1).
        UniqueConstraint(
            "organization", "user_name_key", name="uq_scim_identities_organization_user_name_key"
        ),
        ForeignKeyConstraint(
            ["organization", "person_id"],
            ["people.organization", "people.id"],
            name="fk_scim_identities_person",
        ),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    user_name: Mapped[str] = mapped_column(String(320))
    user_name_key: Mapped[str] = mapped_column(String(320))
    # SCIM-only attributes (displayName, name, emails, preferredLanguage) as the provider sent them.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Bumped when these attributes change, so the SCIM version changes with the representation.
    revision: Mapped[int] = mapped_column(Integer)
    # A SCIM DELETE deactivates the person and hides them from SCIM (a later GET is a 404).
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
