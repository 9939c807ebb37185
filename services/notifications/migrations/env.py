"""Alembic environment of the notifications service: its own schema and version table."""

from alembic import context

from notifications.models import Base
from shared.migrations import run_env

run_env(context.config, metadata=Base.metadata, schema="notifications")
