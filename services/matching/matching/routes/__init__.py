"""The matching API's routers, one per resource."""

from matching.routes import (
    audit,
    circles,
    exclusions,
    feedback,
    matches,
    preferences,
    rounds,
    suggestions,
)

ROUTERS = [
    suggestions.router,
    matches.router,
    rounds.router,
    exclusions.router,
    preferences.router,
    audit.router,
    feedback.router,
    circles.router,
]
