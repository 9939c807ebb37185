"""Alembic environment of the scheduling service (its own schema and version table)."""

from alembic import context

from scheduling.models import SCHEMA, Base
from shared.migrations import run_env

run_env(context.config, metadata=Base.metadata, schema=SCHEMA)
