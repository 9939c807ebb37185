"""Event contracts: the schemas of every domain event, one module per publishing service.

They live in shared/ because publishers and consumers must agree on them; they hold no logic.
"""

from shared.contracts import profiles

__all__ = ["profiles"]
