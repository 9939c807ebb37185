"""Event consumers of the portal: none. It reads the owning services over HTTP per request instead of
keeping read models, so what a person sees is what those services would show them."""

from __future__ import annotations

from portal.personal_data import PERSONAL_DATA
from shared.consumer import Handlers

SOURCES: dict[str, Handlers] = PERSONAL_DATA.sources({})
