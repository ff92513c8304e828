"""A real, throw-away PostgreSQL 15 server for tests (storage must behave the same as on SQLite).

``postgres_server()`` runs initdb and pg_ctl on a temporary directory, listening only on 127.0.0.1 on a
free port with trust authentication, and removes everything on exit. initdb refuses to run as root, so
when the tests run as root the server runs as the ``postgres`` user (``runuser``).

Fixtures (import them into a test module: ``from tests.pg import postgres_url  # noqa: F401``):
``postgres_url`` (session scope) is ``postgresql+psycopg://postgres@127.0.0.1:PORT/egov``. When the
binaries are absent the tests that use it are skipped, unless the environment variable ``CI`` is set:
in CI a missing PostgreSQL is a failure, not a silent skip.
"""

from __future__ import annotations

import gc
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

PG_BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)
DATABASE = "egov"


def find_pg_bin() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres (PostgreSQL 15 first, then PATH)."""
    for directory in PG_BIN_DIRS:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(argv: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _run(argv: list[str], log: Path | None = None) -> None:
    result = subprocess.run(_as_postgres(argv), capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        extra = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{extra}")


@contextmanager
def postgres_server(bin_dir: Path | None = None) -> Iterator[str]:
    """Start a PostgreSQL cluster with database ``egov``; yield its SQLAlchemy URL; stop and delete it."""
    bin_dir = bin_dir or find_pg_bin()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found")
    root = Path(tempfile.mkdtemp(prefix="egov-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    root.chmod(0o700)
    port = _free_port()
    started = False
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C", "--no-sync"])
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 "
            # Durability is pointless for a throw-away test cluster and costs time on a shared machine.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
             log)
        started = True
        _run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DATABASE])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DATABASE}"
    finally:
        # Connections a test dropped without closing are returned to their pools by the garbage collector;
        # let that happen while the server still answers, not as a traceback after it is gone.
        gc.collect()
        if started:
            subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                         "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def new_database(server_url: str, name: str | None = None) -> str:
    """Create an empty database on the server of ``server_url`` and return its URL (test isolation)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = name or f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database,
                         autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if find_pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing in CI (install postgresql-15)")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found")
    with postgres_server() as url:
        yield url
