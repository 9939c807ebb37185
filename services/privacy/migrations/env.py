"""Alembic environment of the privacy service: its own schema and version table."""

from alembic import context

from privacy.models import Base
from shared.migrations import run_env

run_env(context.config, metadata=Base.metadata, schema="privacy")
