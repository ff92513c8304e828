"""Persistence of egov-audit: the SQLModel tables (``models``), Alembic migrations, the content-addressed
evidence store (``blobs``), the connection (``db``) and one repository module per aggregate
(``units_repo``, ``runs_repo``, ``pages_repo``, ``findings_repo``, ``surveys_repo``, ``decisions_repo``,
``scores_repo``, ``frameworks_repo``, ``users_repo``).

Each repository function takes an open ``sqlmodel.Session`` first and never commits: the caller's
``db.session`` block decides what is one transaction.
"""
