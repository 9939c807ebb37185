"""Use cases of the profiles service, one module per aggregate: every state change and its event
commit in one transaction.

Each function takes a session already inside a transaction (`Writer.transaction()`). A `Problem`
raised here rolls the whole transaction back, so a refused request writes nothing: no row and
no outbox event. Every change bumps the entity's `version` and publishes its full state
(`changes.py` holds what they all do the same way).
"""

from __future__ import annotations

from profiles.service.enrollments import enroll, update_enrollment, withdraw_enrollment
from profiles.service.people import create_people, create_person, set_person_active, update_person
from profiles.service.programs import create_program, update_program
from profiles.service.skills import create_skill

__all__ = [
    "create_people",
    "create_person",
    "create_program",
    "create_skill",
    "enroll",
    "set_person_active",
    "update_enrollment",
    "update_person",
    "update_program",
    "withdraw_enrollment",
]
