"""Opening the database: create the SQLite file's directory, migrate to head, hand out sessions.

``open_database(url)`` is the only way the program obtains an engine, so every database it touches has
the current schema. Migrations run from the package (no alembic.ini needed once installed).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic configuration built in code, pointing at ``storage/migrations``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless asked, and would fail at once on a busy file; PostgreSQL does
    # neither, and the two backends must behave the same.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Write-ahead log: an audit commits every exchange as it arrives (so a killed run loses nothing),
    # from several threads at once. With the default rollback journal each commit waited for fsyncs
    # (~1 ms here) and every reader blocked the writers; in WAL readers and the writer go on together and
    # a commit is a write to the log. synchronous=NORMAL keeps every commit through a killed process (the
    # log is written before commit returns); a power cut may lose the last commits, never consistency.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str) -> sa.Engine:
    """An engine for ``url`` without migrating (``open_database`` is what callers want)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def upgrade(engine: sa.Engine, revision: str = "heads") -> None:
    """Run the migrations up to ``revision`` (a no-op when already there)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def open_database(url: str) -> sa.Engine:
    """Create the parent directory of a SQLite file, migrate to head and return the engine."""
    engine = create_engine(url)
    upgrade(engine)
    return engine


@contextmanager
def session(engine: sa.Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises.

    Objects stay usable after the block (``expire_on_commit=False``) so callers can read what they loaded.
    """
    s = Session(engine, expire_on_commit=False)
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()
