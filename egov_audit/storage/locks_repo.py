"""Named locks in the database (``db_lock``): take, renew, take over when stale, release.

Works the same on SQLite and PostgreSQL: taking a free lock is an INSERT (the primary key makes a
second INSERT fail), taking over a stale one is a compare-and-set UPDATE on the old holder, so two
processes can never both believe they hold it. Unlike the other repositories these functions commit
themselves (each is one short transaction on its own connection), because a lock must be visible to
other processes at once, not when the caller's work commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from egov_audit.storage.models import DbLock, utcnow

_TABLE = DbLock.__table__


def try_insert(engine: sa.Engine, name: str, holder: str, host: str, pid: int, purpose: str | None) -> bool:
    """Take the lock if nobody holds it."""
    now = utcnow()
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(_TABLE).values(name=name, holder=holder, host=host, pid=pid, purpose=purpose,
                                                  acquired_at=now, heartbeat_at=now))
    except IntegrityError:
        return False
    return True


def current(engine: sa.Engine, name: str) -> DbLock | None:
    """Who holds the lock now, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(_TABLE).where(_TABLE.c.name == name)).mappings().first()
    return DbLock(**row) if row is not None else None


def take_over(engine: sa.Engine, name: str, old_holder: str, holder: str, host: str, pid: int,
              purpose: str | None) -> bool:
    """Replace ``old_holder`` (found stale) by ``holder``; False if someone else changed the lock first."""
    now = utcnow()
    with engine.begin() as conn:
        result = conn.execute(
            sa.update(_TABLE).where(_TABLE.c.name == name, _TABLE.c.holder == old_holder)
            .values(holder=holder, host=host, pid=pid, purpose=purpose, acquired_at=now, heartbeat_at=now))
    return result.rowcount == 1


def renew(engine: sa.Engine, name: str, holder: str, when: datetime | None = None) -> bool:
    """Refresh the heartbeat; False when the lock is no longer ours (taken over as stale)."""
    with engine.begin() as conn:
        result = conn.execute(sa.update(_TABLE).where(_TABLE.c.name == name, _TABLE.c.holder == holder)
                              .values(heartbeat_at=when or utcnow()))
    return result.rowcount == 1


def release(engine: sa.Engine, name: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(_TABLE).where(_TABLE.c.name == name, _TABLE.c.holder == holder))
