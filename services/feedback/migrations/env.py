"""Alembic environment of the feedback service: its own schema and version table."""

from alembic import context

from feedback.models import Base
from shared.migrations import run_env

run_env(context.config, metadata=Base.metadata, schema="feedback")
