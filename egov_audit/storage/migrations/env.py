"""Alembic environment: runs migrations on the connection ``storage.db`` hands over.

There is no alembic.ini: ``storage.db.alembic_config`` builds the configuration in code so migrations
work from an installed package. ``render_as_batch`` lets later revisions alter tables on SQLite too.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import egov_audit.storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("storage migrations need a connection: use storage.db.open_database(url)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
