"""Periodic work of the webhooks service on the shared job runner: the organizations' retention
policy over the delivery log (`retention-policy`, shared/personal_data.py: received events past
their organization's `delivery_log_days` go, and their deliveries and attempts with them).

Deliveries themselves are not jobs: the dispatcher (`dispatcher.py`) is a long-running loop of
the worker that claims due deliveries fairly across endpoints at a far higher rate than jobs.
"""

from __future__ import annotations

from shared.jobs import Periodic, Task
from webhooks.personal_data import PERSONAL_DATA

PERIODIC: list[Periodic] = [*PERSONAL_DATA.periodic()]
TASKS: list[Task] = [*PERSONAL_DATA.tasks()]
