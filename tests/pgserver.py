"""A real PostgreSQL server for tests: Debian's postgresql-15 binaries, a fresh cluster in a temporary folder,
listening on a Unix socket only, stopped (and its folder removed) at the end.

PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user the Debian package
creates, in a folder that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(os.environ.get("WORKBENCH_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "wb"


def available() -> str | None:
    """Why no server can be started here, or None when one can."""
    if not (BIN / "initdb").exists():
        return f"no PostgreSQL binaries in {BIN} (Debian postgresql-15; set WORKBENCH_TEST_PG_BIN)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def postgres_server(database: str = "workbench") -> Iterator[str]:
    """Start a throwaway server with one empty database; yield its libpq URL (trust auth over the socket)."""
    why = available()
    if why:
        raise RuntimeError(why)
    root = Path(tempfile.mkdtemp(prefix="wb-pg-"))
    data, sock = root / "data", root / "sock"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        for sub in (data, sock):
            shutil.chown(sub, "postgres", "postgres")
    port = _free_port()
    run = lambda *argv: subprocess.run(_as_server_user(list(argv)), check=True, capture_output=True)  # noqa: E731
    try:
        run(str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8", "--no-sync")
        options = f"-k {sock} -p {port} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        run(str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "start")
        try:
            run(str(BIN / "createdb"), "-h", str(sock), "-p", str(port), "-U", USER, database)
            yield f"postgresql://{USER}@/{database}?host={sock}&port={port}"
        finally:
            run(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


_databases = iter(range(1, 1_000_000))


def new_database(server_url: str, *, template: str | None = None) -> str:
    """Create a database on the server (a copy of `template` when given) and return its URL."""
    import psycopg

    name = f"desk_{next(_databases)}"
    server_db = database_name(server_url)
    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return server_url.replace(f"/{server_db}?", f"/{name}?")


def database_name(url: str) -> str:
    """The database a server URL names."""
    return url.split("/", 3)[3].split("?")[0]
