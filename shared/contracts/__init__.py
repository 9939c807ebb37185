"""Event contracts: the schemas of every domain event, one module per publishing service.

They live in shared/ because publishers and consumers must agree on them; they hold no logic.
Importing this package registers every event type in `shared.events.CATALOG`.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
