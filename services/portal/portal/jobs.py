"""Periodic and retried work of the portal: none."""

from __future__ import annotations

from portal.personal_data import PERSONAL_DATA
from shared.jobs import Periodic, Task

PERIODIC: tuple[Periodic, ...] = ()
TASKS: tuple[Task, ...] = (*PERSONAL_DATA.tasks(),)
