"""Persistence of egov-audit: SQLModel tables, Alembic migrations, the evidence blob store and the
repository functions the pipeline calls (``storage.db``, ``storage.blobs``, ``storage.repo``)."""
