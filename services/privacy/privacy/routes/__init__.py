"""The privacy API, one router per resource."""

from __future__ import annotations

from privacy.routes import erasures, exports, policy, trail

ROUTERS = (exports.router, erasures.router, policy.router, trail.router)
