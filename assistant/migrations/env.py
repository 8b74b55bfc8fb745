"""Alembic environment: every package's tables, migrated on the app's own engine."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from assistant.schema import target_metadata

config = context.config


def run_migrations() -> None:
    """Run migrations online, on the engine handed over by ``assistant.database.migrate``."""
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url") or ""
    )
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
