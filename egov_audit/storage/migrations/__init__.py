"""Alembic migrations of the egov-audit schema (run by ``storage.db.open_database``)."""
