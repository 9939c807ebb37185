"""Alembic environment of the workspace service (its own schema and version table)."""

from alembic import context

from shared.migrations import run_env
from workspace.models import SCHEMA, Base

run_env(context.config, metadata=Base.metadata, schema=SCHEMA)
