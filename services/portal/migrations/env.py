"""Alembic environment of the portal (its own schema and version table)."""

from alembic import context

from portal.models import SCHEMA, Base
from shared.migrations import run_env

run_env(context.config, metadata=Base.metadata, schema=SCHEMA)
