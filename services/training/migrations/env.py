"""Alembic environment of the training service: its own schema and version table."""

from alembic import context

from shared.migrations import run_env
from training.models import Base

run_env(context.config, metadata=Base.metadata, schema="training")
