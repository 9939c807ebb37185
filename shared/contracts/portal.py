"""Events the portal publishes: only what every service says about itself (shared/contracts/privacy.py).

The portal keeps no data of its own, but it is a registered service: it confirms each erasure and
contributes its (empty) part to each export like every other service, so completeness never depends
on knowing which services hold nothing.
"""

from __future__ import annotations

from shared.contracts.privacy import accountability_events

AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("portal", __name__)
