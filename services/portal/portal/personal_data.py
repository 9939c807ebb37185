"""What the portal holds on a person (shared/personal_data.py): nothing of its own (it reads the
owning services per request). Its part of an export is empty, and an erasure only clears what the
plumbing keeps (stored responses of the person's idempotent requests); it still confirms both, as
every registered service does."""

from __future__ import annotations

from portal.models import messaging
from shared.personal_data import PersonalData

PERSONAL_DATA = PersonalData(
    service="portal",
    about="The portal keeps nothing about you: your home screen is read from the other services.",
    messaging=messaging,
)
