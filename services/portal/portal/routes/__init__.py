"""The portal API: the signed-in person's home view."""

from __future__ import annotations

from portal.routes import me

ROUTERS = (me.router,)
